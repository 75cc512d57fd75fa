/**
 * The HLS layer's vocabulary: what it knows of a title's media, the segment plan cut from the
 * container's index, and the packager's public interface. Nothing here touches the world.
 */
import type { Logger } from '../log.js'
import type { AudioInfo, MediaInfoView, VideoInfo } from './media-info.js'
import type { ToolRunner } from './media-tool.js'

export type { AudioInfo, MediaInfoView, VideoInfo }

/** One file of a torrent as the HLS layer sees it: an identity, a name (for its extension) and a length. */
export interface TitleFile {
  infoHash: string
  fileIndex: number
  /** Path inside the torrent; only its extension is used (to tell "not a video" from "corrupt"). */
  path: string
  length: number
}


/** What ffprobe told us, reduced to what packaging needs. Cached in memory and on disk. */
export interface MediaProbe {
  /** ffprobe's `format_name`, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`. */
  container: string
  /** Presentation time of the file's first frame, seconds. */
  startSeconds: number
  durationSeconds: number
  video: VideoInfo & { streamIndex: number, hasBFrames: boolean }
  audio: (AudioInfo & { streamIndex: number }) | null
}


/**
 * A VOD segmentation of a film: segment `i` covers source presentation times
 * `[starts[i], starts[i + 1])`, the last one up to `end`. Every start is a video keyframe.
 */
export interface SegmentPlan {
  starts: number[]
  end: number
}

/** Options every packager call takes. */
export interface HlsRequestOptions {
  /** Opaque id of the player; one ffmpeg session per viewer. Absent: the shared anonymous viewer. */
  viewer?: string
  /** The browser reported HEVC support. */
  hevc?: boolean
  signal?: AbortSignal
}

export interface PlaylistOptions extends HlsRequestOptions {
  /** Query string (without `?`) appended to every segment URI, so viewer and hevc carry through. */
  segmentQuery?: string
}

/** A finished segment or poster on disk, ready to be sent. */
export interface MediaFile { path: string, size: number }

export interface SessionStats {
  viewer: string
  infoHash: string
  fileIndex: number
  pid: number | undefined
  firstSegment: number
  /** The next segment ffmpeg will finish. */
  nextSegment: number
  paused: boolean
  startedAt: number
}

export interface HlsStats {
  sessions: SessionStats[]
  /** PIDs of every running ffmpeg/ffprobe child (sessions, probes, posters), for memory measurements. */
  pids: number[]
  cache: { bytes: number, limitBytes: number, segments: number }
  probes: number
}

/** What a reader of a title's stream URL tells the engine about itself. */
export interface StreamReading {
  /**
   * The film's playback rate once probed (`?rate=`), for ffmpeg playing it, so that the
   * engine's piece deadlines follow the film's playback clock.
   */
  bytesPerSecond?: number
  /** Probes, keyframe scans and posters (`?background=1`): nobody watches them. */
  background?: boolean
}

/** Turns a title into the local URL ffmpeg and ffprobe read it from (the daemon's `/stream` route). */
export type StreamUrl = (infoHash: string, fileIndex: number, reading?: StreamReading) => string

/** The clock the packager's logic reads; timers stay real. */
export interface Clock { now: () => number }

export interface HlsPackagerInit {
  /** Root of the on-disk caches (segments, probes, posters) and session scratch dirs. */
  cacheDir: string
  /** Segment cache size limit, bytes; default 1 GiB. */
  cacheLimitBytes?: number
  streamUrl: StreamUrl
  ffmpegPath?: string
  ffprobePath?: string
  log: Logger
  /** A session with no segment request for this long is stopped; default 60 s. */
  idleSessionMs?: number
  /** How long a segment request waits for ffmpeg to produce it; default 20 s. */
  segmentWaitMs?: number
  /** ffmpeg is paused once this many segments past the last one asked for; default 10. */
  maxSegmentsAhead?: number
  clock?: Clock
  /** Replaces spawning ffmpeg/ffprobe (tests). */
  runner?: ToolRunner
}

/** HLS packaging of torrent files: probe, VOD playlist, ffmpeg remux sessions, segment and poster caches. */
export interface HlsPackager {
  start: () => Promise<void>
  /** Kills every ffmpeg/ffprobe child and rejects pending waits with AbortedError. */
  stop: () => Promise<void>
  /** Throws NotVideoError, MediaUnreadableError, UnsupportedCodecError, MediaToolError. */
  info: (file: TitleFile, options?: HlsRequestOptions) => Promise<MediaInfoView>
  /**
   * Probes a title before anyone plays it, as background work: a film starting meanwhile stops
   * it (AbortedError) unless that film is this title. Codecs are not checked (a title the box
   * cannot play still has a duration). NotVideoError, MediaUnreadableError, MediaToolError.
   */
  prepare: (file: TitleFile) => Promise<{ durationSeconds: number }>
  /** The complete VOD playlist; same errors as `info`. */
  playlist: (file: TitleFile, options?: PlaylistOptions) => Promise<string>
  /**
   * Segment `index` on disk, made first if needed (waiting for a running session or starting one
   * there). Same errors as `info`, plus SegmentTimeoutError, BadRequestError for an index outside
   * the playlist, AbortedError when the packager stops or `signal` fires.
   */
  segment: (file: TitleFile, index: number, options?: HlsRequestOptions) => Promise<MediaFile>
  /** A JPEG poster frame from about 10 % into the film. NotVideoError, MediaUnreadableError; not gated on the codec. */
  poster: (file: TitleFile, options?: HlsRequestOptions) => Promise<MediaFile>
  /** A film plays or is starting (its playlist or a segment was asked for moments ago): background media work should wait. */
  playing: () => boolean
  stats: () => HlsStats
}
