/** The media fixtures: each kind is what its name says, made deterministically and once. */
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { ensureMediaFixture, mediaFixtureArgs, mediaFixtureName, MEDIA_FIXTURE_KINDS } from '../../src/cli/demo-media.js'
import { silentLogger } from '../../src/log.js'
import { tempDir } from '../helpers/fixtures.js'
import { hasFfmpeg, mediaFixtures } from './media.js'

function probe (path: string): { format: string, codecs: string[] } | undefined {
  const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_name', '-of', 'json', path], { encoding: 'utf8' })
  if (out.status !== 0) return undefined
  const json = JSON.parse(out.stdout) as { format: { format_name: string }, streams: Array<{ codec_name: string }> }
  return { format: json.format.format_name, codecs: json.streams.map(s => s.codec_name) }
}

/** Top-level MP4 box types in order. */
function boxes (bytes: Buffer): string[] {
  const out: string[] = []
  for (let at = 0; at + 8 <= bytes.length;) {
    const size = bytes.readUInt32BE(at)
    out.push(bytes.toString('latin1', at + 4, at + 8))
    if (size < 8) break
    at += size
  }
  return out
}

t.test('the arguments are bit-exact with one encoder thread and a fixed GOP', async t => {
  for (const kind of ['mp4-moov-front', 'mp4-moov-end', 'mkv-aac', 'mkv-ac3'] as const) {
    const args = mediaFixtureArgs(kind, '/out', { seconds: 10, width: 1280, height: 720 }).join(' ')
    for (const part of ['-fflags +bitexact -flags:v +bitexact -flags:a +bitexact', '-threads 1', '-g 60 -keyint_min 60 -sc_threshold 0', 'testsrc2=size=1280x720:rate=30', '-t 10']) {
      t.ok(args.includes(part), `${kind}: ${part}`)
    }
  }
  t.ok(mediaFixtureArgs('mkv-ac3', '/o').join(' ').includes('-c:a ac3'))
  t.notOk(mediaFixtureArgs('mp4-moov-end', '/o').includes('+faststart'))
  t.equal(new Set(MEDIA_FIXTURE_KINDS.map(k => mediaFixtureName(k))).size, MEDIA_FIXTURE_KINDS.length, 'one name per kind')
  t.not(mediaFixtureName('mkv-aac', { seconds: 10 }), mediaFixtureName('mkv-aac', { seconds: 20 }), 'the shape is in the name')
})

if (!hasFfmpeg) {
  t.plan(1, 'ffmpeg is not installed')
} else {
  t.test('each kind is what it claims to be', async t => {
    const f = await mediaFixtures()
    t.same(probe(f['mp4-moov-front']), { format: 'mov,mp4,m4a,3gp,3g2,mj2', codecs: ['h264', 'aac'] })
    t.same(probe(f['mp4-moov-end']), { format: 'mov,mp4,m4a,3gp,3g2,mj2', codecs: ['h264', 'aac'] })
    t.same(probe(f['mkv-aac']), { format: 'matroska,webm', codecs: ['h264', 'aac'] })
    t.same(probe(f['mkv-ac3']), { format: 'matroska,webm', codecs: ['h264', 'ac3'] })
    t.same(boxes(await readFile(f['mp4-moov-front'])).slice(0, 2), ['ftyp', 'moov'], 'moov right after ftyp')
    t.equal(boxes(await readFile(f['mp4-moov-end'])).at(-1), 'moov', 'moov last')
    t.equal(probe(f['corrupt-video']), undefined, 'the corrupt video cannot be read')
    t.ok(f['corrupt-video'].endsWith('.mp4'), 'though it is named like a video')
    t.match((await readFile(f['not-video'], 'utf8')).slice(0, 30), /^Line 0: this is a text file/)
  })

  t.test('the same fixture made twice is the same bytes, and a cached one is not made again', async t => {
    const [a, b] = [await tempDir(t), await tempDir(t)]
    const shape = { seconds: 3, width: 160, height: 90 }
    const first = await ensureMediaFixture({ dir: a, kind: 'mkv-ac3', log: silentLogger(), ...shape })
    const second = await ensureMediaFixture({ dir: b, kind: 'mkv-ac3', log: silentLogger(), ...shape })
    const [bytesA, bytesB] = [await readFile(first.path), await readFile(second.path)]
    let differAt = 0
    while (differAt < Math.min(bytesA.length, bytesB.length) && bytesA[differAt] === bytesB[differAt]) differAt++
    t.ok(bytesA.equals(bytesB), `bit-exact (lengths ${bytesA.length} and ${bytesB.length}, first difference at byte ${differAt})`)
    const again = await ensureMediaFixture({ dir: a, kind: 'mkv-ac3', log: silentLogger(), ...shape, ffmpeg: '/nonexistent/ffmpeg' })
    t.same(again, { ...first, created: false })
    t.equal(first.path, join(a, mediaFixtureName('mkv-ac3', shape)))
  })
}
