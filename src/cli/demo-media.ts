/**
 * The demo's clip: 720p30 H.264 + AAC test pattern made by ffmpeg, a keyframe every 2 s, moov
 * at the front. Bit-exact flags and a fixed thread count make the bytes (so the info hash) the
 * same on every run and box with the same ffmpeg. The clip is cached: made once, written to a
 * temporary name and renamed, so an interrupted run never leaves a truncated clip behind.
 */
import { spawn } from 'node:child_process'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
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
    // x264's output depends on its thread count, which defaults to the number of cores.
    '-threads', '2',
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
