/**
 * A film's duration from its container's header alone: Matroska/WebM (the Segment's Info) or
 * MP4/MOV (the moov's mvhd, at the front or at the end). Anything else, or a header that gives
 * no duration, answers undefined: the caller keeps estimating the rate from how it is read.
 */
import { mkvDuration } from './mkv-index.js'
import { mp4Duration } from './mp4-index.js'
import type { ReadRange } from './range-read.js'

const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3]

/** Seconds of playback in the file, or undefined when its container does not say. */
export async function filmDuration (read: ReadRange, fileLength: number, signal?: AbortSignal): Promise<number | undefined> {
  if (fileLength < 16) return undefined
  const head = await read(0, 8, signal)
  if (EBML_MAGIC.every((byte, i) => head[i] === byte)) return await mkvDuration(read, fileLength, signal)
  if (String.fromCharCode(...head.subarray(4, 8)) === 'ftyp') return await mp4Duration(read, fileLength, signal)
  return undefined
}
