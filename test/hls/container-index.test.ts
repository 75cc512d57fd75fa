/**
 * Keyframes from the container index (MP4 moov, MKV cues) match what ffprobe finds by reading
 * every packet, while reading only a few small ranges: the index, never the media data. The
 * film's duration from the same headers matches ffprobe's.
 */
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { mkvDuration, mkvKeyframes } from '../../src/hls/mkv-index.js'
import { mp4Duration, mp4Keyframes } from '../../src/hls/mp4-index.js'
import { parseKeyframeScan } from '../../src/hls/keyframe-index.js'
import { hasFfmpeg, mediaFixtures, probedDuration } from './media.js'

function scanned (path: string): number[] {
  const out = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', path], { encoding: 'utf8' })
  return parseKeyframeScan(out.stdout).sort((a, b) => a - b)
}

async function reader (path: string): Promise<{ read: (s: number, l: number) => Promise<Uint8Array>, reads: Array<[number, number]>, length: number }> {
  const bytes = await readFile(path)
  const reads: Array<[number, number]> = []
  return {
    reads,
    length: bytes.length,
    read: async (start, length) => { reads.push([start, length]); return new Uint8Array(bytes.subarray(start, start + length)) }
  }
}

if (!hasFfmpeg) {
  t.plan(0, 'ffmpeg and ffprobe are not installed')
} else {
  const fixtures = await mediaFixtures()

  for (const kind of ['mp4-moov-front', 'mp4-moov-end'] as const) {
    t.test(`${kind}: the moov's sync samples are ffprobe's keyframes`, async t => {
      const r = await reader(fixtures[kind])
      const times = await mp4Keyframes(r.read, r.length)
      t.same(times?.map(x => x.toFixed(3)), scanned(fixtures[kind]).map(x => x.toFixed(3)))
      const bytesRead = r.reads.reduce((n, [, l]) => n + l, 0)
      t.ok(bytesRead < 64 * 1024, `read ${bytesRead} bytes in ${r.reads.length} ranges, not the media data`)
      if (kind === 'mp4-moov-end') t.ok(r.reads.some(([s]) => s > r.length / 2), 'the moov is read at the file\'s end')
    })
  }

  for (const kind of ['mkv-aac', 'mkv-ac3'] as const) {
    t.test(`${kind}: the cues of the video track are ffprobe's keyframes`, async t => {
      const r = await reader(fixtures[kind])
      const times = await mkvKeyframes(r.read, r.length)
      t.same(times?.map(x => x.toFixed(3)), scanned(fixtures[kind]).map(x => x.toFixed(3)))
      t.ok(r.reads.some(([s]) => s > r.length / 2), 'the cues are read at the file\'s end, through the SeekHead')
      t.ok(r.reads.length <= 3, `${r.reads.length} reads`)
    })
  }

  for (const kind of ['mp4-moov-front', 'mp4-moov-end', 'mkv-aac', 'mkv-ac3'] as const) {
    t.test(`${kind}: the duration in its header is ffprobe's`, async t => {
      const r = await reader(fixtures[kind])
      const duration = kind.startsWith('mp4') ? await mp4Duration(r.read, r.length) : await mkvDuration(r.read, r.length)
      t.ok(duration !== undefined && Math.abs(duration - probedDuration(fixtures[kind])) < 0.001, `${String(duration)} s, ffprobe ${probedDuration(fixtures[kind])} s`)
      const bytesRead = r.reads.reduce((n, [, l]) => n + l, 0)
      // The moov's first 4 KiB (mvhd comes first); the Matroska head, where the Info lies.
      const limit = kind.startsWith('mp4') ? 8 * 1024 : 64 * 1024
      t.ok(bytesRead <= limit, `read ${bytesRead} bytes in ${r.reads.length} ranges, not the media data nor the whole index`)
    })
  }

  t.test('files without such a header have no duration', async t => {
    for (const kind of ['not-video', 'corrupt-video', 'mkv-aac'] as const) {
      const r = await reader(fixtures[kind])
      t.equal(await mp4Duration(r.read, r.length), undefined, `${kind} has no moov`)
    }
    for (const kind of ['not-video', 'mp4-moov-front'] as const) {
      const r = await reader(fixtures[kind])
      t.equal(await mkvDuration(r.read, r.length), undefined, `${kind} is not Matroska`)
    }
  })

  t.test('other files are not mistaken for an index', async t => {
    for (const kind of ['not-video', 'corrupt-video', 'mkv-aac'] as const) {
      const r = await reader(fixtures[kind])
      t.equal(await mp4Keyframes(r.read, r.length), undefined, `${kind} is not an indexed MP4`)
    }
    for (const kind of ['not-video', 'mp4-moov-front'] as const) {
      const r = await reader(fixtures[kind])
      t.equal(await mkvKeyframes(r.read, r.length), undefined, `${kind} is not a cued MKV`)
    }
  })
}

t.test('the packet scan keeps keyframes only', async t => {
  t.same(parseKeyframeScan('0.000000,K_\n0.033333,__\n2.000000,K_\n\nN/A,K_\n2.5,_D\n'), [0, 2])
})
