/**
 * A film's keyframe times from its container index, read through the /stream URL: the MP4
 * moov or the MKV cues (a few small range reads, the engine fetching the tail first). Other
 * containers (MPEG-TS, AVI…) and files without an index fall back to an ffprobe packet scan,
 * which reads the whole file: correct, but only fast once the file is on the box.
 */
import { MediaUnreadableError } from '../errors.js'
import { mkvKeyframes } from './mkv-index.js'
import { mp4Keyframes } from './mp4-index.js'
import type { ReadRange } from './range-read.js'
import type { MediaProbe } from './types.js'

export interface KeyframeSources {
  read: ReadRange
  fileLength: number
  /** Runs the ffprobe packet scan and returns its CSV stdout. */
  scan: () => Promise<string>
  signal?: AbortSignal
}

export type KeyframeOrigin = 'mp4-index' | 'mkv-cues' | 'packet-scan'

export async function readKeyframes (probe: MediaProbe, sources: KeyframeSources): Promise<{ times: number[], origin: KeyframeOrigin }> {
  const formats = probe.container.split(',')
  if (formats.includes('mov') || formats.includes('mp4')) {
    const times = await mp4Keyframes(sources.read, sources.fileLength, sources.signal)
    if (times !== undefined && times.length > 0) return { times, origin: 'mp4-index' }
  }
  if (formats.includes('matroska') || formats.includes('webm')) {
    const times = await mkvKeyframes(sources.read, sources.fileLength, sources.signal)
    if (times !== undefined && times.length > 0) return { times, origin: 'mkv-cues' }
  }
  const times = parseKeyframeScan(await sources.scan())
  if (times.length === 0) throw new MediaUnreadableError('the video has no keyframe ffprobe can find; the file is damaged')
  return { times, origin: 'packet-scan' }
}

/** Lines of `pts_time,flags` from ffprobe; keyframes have a `K` flag. */
export function parseKeyframeScan (csv: string): number[] {
  const times: number[] = []
  for (const line of csv.split('\n')) {
    const [pts, flags] = line.trim().split(',')
    const time = Number(pts)
    if (flags?.includes('K') === true && pts !== '' && Number.isFinite(time)) times.push(time)
  }
  return times
}
