/**
 * The demo's clip: 720p30 H.264 + AAC test pattern made by ffmpeg, a keyframe every 2 s, moov
 * at the front. Bit-exact flags and a fixed thread count make the bytes (so the info hash) the
 * same on every run and box with the same ffmpeg. The clip is cached: made once, written to a
 * temporary name and renamed, so an interrupted run never leaves a truncated clip behind.
 */
import { spawn } from 'node:child_process'
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AbortedError, MediaToolError } from '../errors.js'
import type { Logger } from '../log.js'

export const DEMO_CLIP_NAME = 'reel-demo.mp4'
export const DEMO_CLIP_SECONDS = 120

/** Runs a program to completion; resolves with its exit code and the tail of its stderr. */
export type RunProcess = (command: string, args: readonly string[], options: { signal?: AbortSignal }) =>
Promise<{ code: number | null, stderr: string }>

export interface DemoClipInit {
  /** Folder of the cached clip. */
  dir: string
  log: Logger
  signal?: AbortSignal
  /** ffmpeg executable; default `ffmpeg` from PATH. */
  ffmpeg?: string
  /** Clip length; default 120 s (tests use a few seconds). */
  seconds?: number
  /** Replaces spawning (tests). */
  run?: RunProcess
}

export interface DemoClip { path: string, length: number, created: boolean }

/** ffmpeg's arguments to write the clip to `output` (as MP4 whatever the name). */
export function demoClipArgs (output: string, seconds = DEMO_CLIP_SECONDS): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac',
    '-movflags', '+faststart',
    '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact', '-map_metadata', '-1',
    // One encoder thread: with two, one encode in twelve made different bytes on a loaded
    // machine (measured), and the default follows the number of cores.
    '-threads', '1',
    '-f', 'mp4', output
  ]
}

/** The cached clip, made with ffmpeg first if absent. Throws MediaToolError, AbortedError. */
export async function ensureDemoClip (init: DemoClipInit): Promise<DemoClip> {
  const seconds = init.seconds ?? DEMO_CLIP_SECONDS
  const name = seconds === DEMO_CLIP_SECONDS ? DEMO_CLIP_NAME : `reel-demo-${seconds}s.mp4`
  const path = join(init.dir, name)
  const existing = await stat(path).catch(() => undefined)
  if (existing !== undefined && existing.size > 0) {
    init.log.info({ path, length: existing.size }, 'demo clip cached')
    return { path, length: existing.size, created: false }
  }
  await mkdir(init.dir, { recursive: true })
  const partial = `${path}.partial`
  const ffmpeg = init.ffmpeg ?? 'ffmpeg'
  const run = init.run ?? runProcess
  init.log.info({ path, seconds }, 'making the demo clip with ffmpeg')
  const started = Date.now()
  try {
    const result = await run(ffmpeg, demoClipArgs(partial, seconds), { signal: init.signal })
    if (init.signal?.aborted === true) throw new AbortedError('making the demo clip was cancelled')
    if (result.code !== 0) {
      throw new MediaToolError(`ffmpeg exited with ${String(result.code)} while making the demo clip: ${result.stderr.trim().slice(-500)}`)
    }
    await rename(partial, path)
  } catch (err) {
    await rm(partial, { force: true })
    throw err
  }
  const { size } = await stat(path)
  init.log.info({ path, length: size, ms: Date.now() - started }, 'demo clip made')
  return { path, length: size, created: true }
}

/** Spawns `command`; the signal kills it. A missing executable is a MediaToolError. */
export const runProcess: RunProcess = async (command, args, options) => {
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], signal: options.signal, killSignal: 'SIGKILL' })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000) })
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') reject(new AbortedError(`${command} was stopped`, { cause: err }))
      else if (err.code === 'ENOENT') reject(new MediaToolError(`${command} is not installed (apt-get install ffmpeg)`, { cause: err }))
      else reject(new MediaToolError(`cannot run ${command}: ${err.message}`, { cause: err }))
    })
    child.once('close', code => { resolve({ code, stderr }) })
  })
}

/**
 * Media fixtures for the HLS layer's tests and the demo's titles, one per case the packager must
 * handle: MP4 with the moov at the front or at the end, MKV with AAC or with AC-3 audio (which
 * the TV cannot play, so the packager re-encodes it), and two bad inputs: a file that is not a
 * video and a video whose header is garbled. Same determinism and caching as the demo clip.
 */
export const MEDIA_FIXTURE_KINDS = ['mp4-moov-front', 'mp4-moov-end', 'mkv-aac', 'mkv-ac3', 'not-video', 'corrupt-video'] as const
export type MediaFixtureKind = typeof MEDIA_FIXTURE_KINDS[number]

export interface MediaFixtureShape {
  /** Default 20 s. */
  seconds?: number
  /** Default 320×180 (tests); the demo uses 1280×720. */
  width?: number
  height?: number
  /** Frames per second, default 30; a keyframe every `gopFrames` (default 2 s). */
  fps?: number
  gopFrames?: number
}

export interface MediaFixtureInit extends MediaFixtureShape {
  dir: string
  kind: MediaFixtureKind
  log: Logger
  signal?: AbortSignal
  ffmpeg?: string
  run?: RunProcess
}

function shapeOf (shape: MediaFixtureShape): Required<MediaFixtureShape> {
  const fps = shape.fps ?? 30
  return { seconds: shape.seconds ?? 20, width: shape.width ?? 320, height: shape.height ?? 180, fps, gopFrames: shape.gopFrames ?? 2 * fps }
}

/** The cached file's name: every parameter that changes its bytes is in it. */
export function mediaFixtureName (kind: MediaFixtureKind, shape: MediaFixtureShape = {}): string {
  const s = shapeOf(shape)
  const tag = `${s.seconds}s-${s.width}x${s.height}-${s.fps}fps-g${s.gopFrames}`
  switch (kind) {
    case 'mp4-moov-front': return `reel-front-${tag}.mp4`
    case 'mp4-moov-end': return `reel-end-${tag}.mp4`
    case 'mkv-aac': return `reel-aac-${tag}.mkv`
    case 'mkv-ac3': return `reel-ac3-${tag}.mkv`
    case 'not-video': return 'reel-not-video.txt'
    case 'corrupt-video': return `reel-corrupt-${tag}.mp4`
  }
}

/** ffmpeg's arguments for the four encoded kinds (the corrupt one starts as moov-at-front). */
export function mediaFixtureArgs (kind: Exclude<MediaFixtureKind, 'not-video'>, output: string, shape: MediaFixtureShape = {}): string[] {
  const s = shapeOf(shape)
  const mkv = kind === 'mkv-aac' || kind === 'mkv-ac3'
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(s.seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(s.gopFrames), '-keyint_min', String(s.gopFrames), '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p',
    ...(kind === 'mkv-ac3' ? ['-c:a', 'ac3', '-b:a', '192k', '-ac', '2'] : ['-c:a', 'aac', '-b:a', '128k', '-ac', '2']),
    ...(kind === 'mp4-moov-end' || mkv ? [] : ['-movflags', '+faststart']),
    '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact', '-map_metadata', '-1',
    '-threads', '1', // reproducible bytes; see the demo clip's arguments
    '-f', mkv ? 'matroska' : 'mp4', output
  ]
}

/** The cached fixture, made first if absent. Throws MediaToolError, AbortedError. */
export async function ensureMediaFixture (init: MediaFixtureInit): Promise<DemoClip> {
  const path = join(init.dir, mediaFixtureName(init.kind, init))
  const existing = await stat(path).catch(() => undefined)
  if (existing !== undefined && existing.size > 0) return { path, length: existing.size, created: false }
  await mkdir(init.dir, { recursive: true })
  // Per process: parallel test files may make the same fixture at once; the rename is atomic.
  const partial = `${path}.${process.pid}.partial`
  try {
    if (init.kind === 'not-video') {
      await writeFile(partial, notVideoText())
    } else {
      const run = init.run ?? runProcess
      const ffmpeg = init.ffmpeg ?? 'ffmpeg'
      const encodeAs = init.kind === 'corrupt-video' ? 'mp4-moov-front' : init.kind
      const result = await run(ffmpeg, mediaFixtureArgs(encodeAs, partial, init), { signal: init.signal })
      if (init.signal?.aborted === true) throw new AbortedError('making a media fixture was cancelled')
      if (result.code !== 0) {
        throw new MediaToolError(`ffmpeg exited with ${String(result.code)} while making ${init.kind}: ${result.stderr.trim().slice(-500)}`)
      }
      if (init.kind === 'corrupt-video') await garbleHeader(partial)
    }
    await rename(partial, path)
  } catch (err) {
    await rm(partial, { force: true })
    throw err
  }
  const { size } = await stat(path)
  init.log.info({ path, kind: init.kind, length: size }, 'media fixture made')
  return { path, length: size, created: true }
}

/** Every kind (or those asked for) in `dir`, one ffmpeg at a time. */
export async function ensureMediaFixtures (
  init: Omit<MediaFixtureInit, 'kind'> & { kinds?: readonly MediaFixtureKind[] }
): Promise<Record<MediaFixtureKind, DemoClip>> {
  const out: Partial<Record<MediaFixtureKind, DemoClip>> = {}
  for (const kind of init.kinds ?? MEDIA_FIXTURE_KINDS) out[kind] = await ensureMediaFixture({ ...init, kind })
  return out as Record<MediaFixtureKind, DemoClip>
}

/** Plain text that no demuxer takes for media. */
function notVideoText (): string {
  const lines: string[] = []
  for (let i = 0; i < 2000; i++) lines.push(`Line ${i}: this is a text file shipped inside a torrent, not a film.`)
  return lines.join('\n') + '\n'
}

/**
 * Overwrites the moov box (right after the 32-byte ftyp of a faststart MP4) with a fixed byte
 * pattern, size and type included: the file keeps its name and length but no demuxer can read it.
 */
async function garbleHeader (path: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    const garbage = Buffer.alloc(16 * 1024)
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff
    await handle.write(garbage, 0, garbage.length, 24)
  } finally {
    await handle.close()
  }
}
