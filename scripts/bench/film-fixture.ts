/**
 * The streaming section's film: a Matroska file made by ffmpeg whose average bitrate is the
 * playback reader's rate, so that the reader plays it in real time, as a player would. Its
 * video is uncompressed (rawvideo, ffmpeg's testsrc2 pattern at 640x360): every frame has the
 * same size, so the bitrate is the same from the first second to the last, and the file is made
 * in about a second instead of the minutes an encoder would take for this many bytes.
 */
import { execFile } from 'node:child_process'
import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { promisify } from 'node:util'

const runFile = promisify(execFile)

const WIDTH = 640
const HEIGHT = 360
/** yuv420p: a full-resolution luma plane and two quarter-resolution chroma planes. */
const FRAME_BYTES = WIDTH * HEIGHT * 3 / 2

export interface Film {
  path: string
  /** Bytes in the file: what the torrent holds. */
  length: number
  /** Seconds of playback, as the file's header states. */
  seconds: number
}

/** Makes a film of about `bytes` bytes playing at `bytesPerSecond` at `path`. */
export async function makeFilm (path: string, bytes: number, bytesPerSecond: number): Promise<Film> {
  const frames = Math.floor(bytes / FRAME_BYTES)
  const fps = bytesPerSecond / FRAME_BYTES
  await mkdir(dirname(path), { recursive: true })
  await runFile('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${fps.toFixed(5)}`,
    '-frames:v', String(frames), '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', '-f', 'matroska', path
  ])
  const probed = await runFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path])
  const seconds = Number(probed.stdout.trim())
  if (!(seconds > 0)) throw new Error(`ffprobe found no duration in the film ${path}: ${probed.stdout.trim()} ${probed.stderr.trim()}`)
  return { path, length: (await stat(path)).size, seconds }
}
