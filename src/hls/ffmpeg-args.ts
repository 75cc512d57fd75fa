/**
 * Pure: the command lines of ffprobe and ffmpeg. Sessions remux with stream copy into MPEG-TS
 * segments cut exactly at the planned keyframes (segment muxer with `-segment_times`), and a
 * session started at segment n seeks with `-ss` before `-i` and shifts its output back with
 * `-output_ts_offset`, so every session writes the source's own timestamps: a segment made after
 * a seek has the same PTS as the one a session from the start would have made, and hls.js
 * places it where the playlist says. Measured with ffmpeg 5.1 (test/hls/ffmpeg-args.test.ts).
 */
import type { MediaProbe, SegmentPlan } from './types.js'

/** ffmpeg's HTTP input: reconnect on a dropped /stream connection, give up on a source silent for 60 s. */
export const HTTP_INPUT_ARGS = [
  '-reconnect', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '4', '-rw_timeout', '60000000'
]

/** Audio a TV browser plays from MPEG-TS with hls.js; anything else is re-encoded to AAC. */
const COPYABLE_AUDIO = new Set(['aac', 'mp3'])

/**
 * Cut times sit this far before each keyframe: the segment muxer cuts at the first keyframe at
 * or after a cut time, and timestamps rescaled through `-output_ts_offset` may land a fraction
 * of a millisecond early. Far less than any frame interval.
 */
const CUT_LEAD_SECONDS = 0.004

/**
 * ffmpeg (fftools) moves an input seek 3/23 s earlier for containers that seek by DTS (all but
 * MP4/MOV) when the video has B-frames; without compensation, `-ss` on a keyframe of an MKV
 * lands on the keyframe before and the segment starts one GOP early.
 */
const DTS_SEEK_SHIFT_SECONDS = 3 / 23

export function ffprobeArgs (url: string): string[] {
  return ['-v', 'error', ...HTTP_INPUT_ARGS, '-print_format', 'json', '-show_format', '-show_streams', url]
}

/** A keyframe scan for containers without an index we read: decodes nothing but reads the whole file. */
export function keyframeScanArgs (url: string): string[] {
  return ['-v', 'error', ...HTTP_INPUT_ARGS, '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', url]
}

export function audioNeedsTranscode (probe: MediaProbe): boolean {
  return probe.audio !== null && !COPYABLE_AUDIO.has(probe.audio.codec)
}

/** The `-ss` that makes ffmpeg start at the keyframe `keyframe` exactly. */
export function seekTarget (probe: MediaProbe, keyframe: number): number {
  const seeksByPts = probe.container.split(',').includes('mov')
  return keyframe + 0.001 + (!seeksByPts && probe.video.hasBFrames ? DTS_SEEK_SHIFT_SECONDS : 0)
}

export interface SessionArgsInit {
  url: string
  probe: MediaProbe
  plan: SegmentPlan
  firstSegment: number
  /** Folder ffmpeg writes `seg-<n>.ts` and `segments.csv` into. */
  dir: string
}

export const SEGMENT_LIST = 'segments.csv'

/** A remux session from segment `firstSegment` to the end of the film. */
export function sessionArgs (init: SessionArgsInit): string[] {
  const { probe, plan, firstSegment } = init
  const start = plan.starts[firstSegment]
  if (start === undefined) throw new RangeError(`no segment ${firstSegment}`)
  const seek = firstSegment === 0 ? [] : ['-noaccurate_seek', '-ss', seconds(seekTarget(probe, start))]
  const offset = firstSegment === 0 ? [] : ['-output_ts_offset', seconds(seekTarget(probe, start))]
  const cuts = plan.starts.slice(firstSegment + 1).map(t => seconds(t - CUT_LEAD_SECONDS))
  const audio = probe.audio === null
    ? []
    : ['-map', `0:${probe.audio.streamIndex}`, ...(audioNeedsTranscode(probe)
        ? ['-c:a', 'aac', '-b:a', '160k', '-ac', String(Math.min(2, Math.max(1, probe.audio.channels)))]
        : ['-c:a', 'copy'])]
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...HTTP_INPUT_ARGS, ...seek, '-i', init.url,
    '-map', `0:${probe.video.streamIndex}`, '-c:v', 'copy', ...audio,
    '-sn', '-dn', '-map_metadata', '-1', '-threads', '1', '-max_muxing_queue_size', '1024',
    // Keep the source's timestamps in every session: no shift for a first negative DTS.
    '-avoid_negative_ts', 'disabled', ...offset,
    '-f', 'segment', '-segment_format', 'mpegts',
    // Each segment file gets its own MPEG-TS muxer, which would otherwise shift a segment whose
    // first DTS is negative (B-frames at the film's start) and break the alignment with the next.
    '-segment_format_options', 'avoid_negative_ts=disabled',
    ...(cuts.length > 0 ? ['-segment_times', cuts.join(',')] : ['-segment_time', '999999']),
    '-segment_start_number', String(firstSegment),
    '-segment_list', `${init.dir}/${SEGMENT_LIST}`, '-segment_list_type', 'csv',
    `${init.dir}/seg-%d.ts`
  ]
}

/** One JPEG frame about 480 px wide from `atSeconds`. */
export function posterArgs (url: string, atSeconds: number, output: string): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', ...HTTP_INPUT_ARGS,
    // One decoding thread: frame threads each hold a frame set, which a single still does not need.
    '-threads', '1', '-filter_threads', '1', '-ss', seconds(atSeconds), '-i', url,
    '-map', '0:v:0', '-frames:v', '1', '-vf', 'scale=480:-2', '-q:v', '4', '-threads', '1',
    '-f', 'image2', '-y', output
  ]
}

function seconds (value: number): string {
  return Math.max(0, value).toFixed(6)
}
