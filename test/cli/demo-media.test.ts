import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { demoClipArgs, ensureDemoClip, type RunProcess } from '../../src/cli/demo-media.js'
import { MediaToolError } from '../../src/errors.js'
import { silentLogger } from '../../src/log.js'

async function tempDir (t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reel-media-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

t.test('the clip is 120 s of 720p30 H.264 + AAC, keyframes every 2 s, bit-exact', async t => {
  const args = demoClipArgs('/out.mp4').join(' ')
  for (const part of [
    '-f lavfi -i testsrc2=size=1280x720:rate=30', '-f lavfi -i sine=frequency=440', '-t 120', '-c:v libx264 -preset veryfast',
    '-g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p', '-c:a aac', '-movflags +faststart',
    '-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1'
  ]) t.ok(args.includes(part), part)
  t.ok(args.endsWith('-f mp4 /out.mp4'))
})

t.test('the clip is made once, through a temporary file, then reused', async t => {
  const dir = await tempDir(t)
  const calls: string[][] = []
  const run: RunProcess = async (_command, args) => {
    calls.push([...args])
    await writeFile(args.at(-1) ?? '', 'clip bytes')
    return { code: 0, stderr: '' }
  }
  const first = await ensureDemoClip({ dir, log: silentLogger(), run })
  t.same(first, { path: join(dir, 'reel-demo.mp4'), length: 10, created: true })
  t.equal(calls[0]?.at(-1), join(dir, 'reel-demo.mp4.partial'))
  const second = await ensureDemoClip({ dir, log: silentLogger(), run })
  t.equal(second.created, false)
  t.equal(calls.length, 1, 'ffmpeg ran once')
})

t.test('a failing ffmpeg is a MediaToolError and leaves no partial clip', async t => {
  const dir = await tempDir(t)
  const run: RunProcess = async (_command, args) => {
    await writeFile(args.at(-1) ?? '', 'half a clip')
    return { code: 1, stderr: 'Unknown encoder libx264\n' }
  }
  await t.rejects(ensureDemoClip({ dir, log: silentLogger(), run }), { name: 'MediaToolError', message: /exited with 1.*Unknown encoder libx264/ })
  t.same(await readdir(dir), [])
})

t.test('a missing ffmpeg is a MediaToolError that says what to install', async t => {
  const dir = await tempDir(t)
  await t.rejects(ensureDemoClip({ dir, log: silentLogger(), ffmpeg: '/nonexistent/ffmpeg' }), MediaToolError)
  await t.rejects(ensureDemoClip({ dir, log: silentLogger(), ffmpeg: '/nonexistent/ffmpeg' }), { message: /not installed \(apt-get install ffmpeg\)/ })
})

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0

t.test('real ffmpeg makes the same bytes twice', { skip: hasFfmpeg ? false : 'ffmpeg is not installed' }, async t => {
  const hashes: string[] = []
  for (let i = 0; i < 2; i++) {
    const dir = await tempDir(t)
    const clip = await ensureDemoClip({ dir, log: silentLogger(), seconds: 1 })
    t.ok(clip.length > 10_000)
    hashes.push(createHash('sha1').update(await readFile(clip.path)).digest('hex'))
  }
  t.equal(hashes[0], hashes[1])
})

t.test('aborting stops ffmpeg', { skip: hasFfmpeg ? false : 'ffmpeg is not installed' }, async t => {
  const dir = await tempDir(t)
  const controller = new AbortController()
  const making = ensureDemoClip({ dir, log: silentLogger(), signal: controller.signal })
  setTimeout(() => controller.abort(), 300)
  await t.rejects(making, { name: 'AbortedError' })
  t.same(await readdir(dir), [], 'no partial clip is left')
})
