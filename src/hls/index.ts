/**
 * The HLS layer's public face: `createHlsPackager` turns a torrent file, read through the
 * daemon's `/stream` URL, into a VOD playlist, MPEG-TS segments, media info and a poster.
 */
export {
  createHlsPackager, ANONYMOUS_VIEWER, DEFAULT_CACHE_LIMIT_BYTES, DEFAULT_IDLE_SESSION_MS, DEFAULT_MAX_SEGMENTS_AHEAD,
  DEFAULT_SEGMENT_WAIT_MS
} from './packager.js'
export { parseSegmentName, planSegments, renderPlaylist, segmentName } from './segment-plan.js'
export { filmDuration } from './film-duration.js'
export type { ReadRange } from './range-read.js'
export type { ToolExit, ToolProcess, ToolRunner } from './media-tool.js'
export type {
  AudioInfo, Clock, HlsPackager, HlsPackagerInit, HlsRequestOptions, HlsStats, MediaFile, MediaInfoView, MediaProbe,
  PlaylistOptions, SegmentPlan, SessionStats, StreamReading, StreamUrl, TitleFile, VideoInfo
} from './types.js'
