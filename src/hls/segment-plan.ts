/**
 * Pure: cuts a film into HLS segments at its video keyframes and renders the VOD playlist.
 * Invariants: the first segment starts at the first keyframe, every start is a keyframe, starts
 * increase strictly, and the durations add up to `end - starts[0]`.
 */
import type { SegmentPlan } from './types.js'

export const MIN_SEGMENT_SECONDS = 4
export const TARGET_SEGMENT_SECONDS = 5
export const MAX_SEGMENT_SECONDS = 6
/** A last segment shorter than this is merged into the one before. */
const MIN_LAST_SEGMENT_SECONDS = 1
/** Keyframe times come from decimal timestamps (12.005 + 4 is not 16.005 in binary). */
const EPSILON = 1e-6

/**
 * Picks segment starts among `keyframes` (seconds, any order): each next start is the keyframe
 * in [start + 4, start + 6] closest to start + 5, or when there is none the first keyframe after
 * start + 4 (long GOPs make long segments: a cut is only possible at a keyframe). A rest of
 * at most 6 s stays one segment.
 */
export function planSegments (keyframes: readonly number[], end: number): SegmentPlan {
  const sorted = [...new Set(keyframes.filter(k => Number.isFinite(k) && k < end))].sort((a, b) => a - b)
  const first = sorted[0]
  if (first === undefined) return { starts: [0], end: Math.max(end, 0) }
  const starts = [first]
  let i = 0
  for (;;) {
    const current = starts[starts.length - 1] as number
    // The rest fits in one segment: no cut, so no short tail.
    if (end - current <= MAX_SEGMENT_SECONDS + EPSILON) break
    while (i < sorted.length && (sorted[i] as number) < current + MIN_SEGMENT_SECONDS - EPSILON) i++
    if (i >= sorted.length) break
    let best = i
    for (let j = i; j < sorted.length && (sorted[j] as number) <= current + MAX_SEGMENT_SECONDS + EPSILON; j++) {
      const distance = Math.abs((sorted[j] as number) - current - TARGET_SEGMENT_SECONDS)
      if (distance < Math.abs((sorted[best] as number) - current - TARGET_SEGMENT_SECONDS) - EPSILON) best = j
    }
    starts.push(sorted[best] as number)
    i = best + 1
  }
  if (starts.length > 1 && end - (starts[starts.length - 1] as number) < MIN_LAST_SEGMENT_SECONDS) starts.pop()
  return { starts, end }
}

export function segmentCount (plan: SegmentPlan): number {
  return plan.starts.length
}

/** Start and duration of segment `index`, seconds. */
export function segmentSpan (plan: SegmentPlan, index: number): { start: number, duration: number } {
  const start = plan.starts[index]
  if (start === undefined) throw new RangeError(`no segment ${index}`)
  const next = plan.starts[index + 1] ?? plan.end
  return { start, duration: next - start }
}

/** The segment file name ffmpeg writes and the playlist lists. */
export function segmentName (index: number): string {
  return `seg-${index}.ts`
}

/** Parses `seg-<n>.ts`; undefined for anything else. */
export function parseSegmentName (name: string): number | undefined {
  const match = /^seg-(\d{1,7})\.ts$/.exec(name)
  return match === null ? undefined : Number(match[1])
}

/**
 * The VOD playlist: every segment from the start with its exact duration, relative URIs
 * carrying `query`, ENDLIST. hls.js treats it as a finished film (no live edge).
 */
export function renderPlaylist (plan: SegmentPlan, query = ''): string {
  const suffix = query === '' ? '' : `?${query}`
  const durations = plan.starts.map((_, i) => segmentSpan(plan, i).duration)
  // RFC 8216: each EXTINF rounded to the nearest integer must not exceed TARGETDURATION.
  const target = Math.max(1, ...durations.map(d => Math.round(d)))
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0'
  ]
  durations.forEach((duration, i) => { lines.push(`#EXTINF:${duration.toFixed(6)},`, segmentName(i) + suffix) })
  lines.push('#EXT-X-ENDLIST', '')
  return lines.join('\n')
}
