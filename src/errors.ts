/**
 * Named error classes with stable codes. Every condition a caller may need to react to has
 * its own class; HTTP maps `code` to a status in one place (src/api/errors.ts).
 * docs/ERRORS.md lists every code; test/errors.test.ts keeps that table complete.
 */

export abstract class ReelError extends Error {
  abstract readonly code: string
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A .torrent file or magnet link that cannot be used; `message` says which part is wrong. */
export class BadTorrentError extends ReelError {
  readonly code = 'REEL_ERR_BAD_TORRENT'
}

/** A file name inside a torrent that would escape the torrent's folder. */
export class UnsafePathError extends ReelError {
  readonly code = 'REEL_ERR_UNSAFE_PATH'
}

/** No torrent with this info hash on the box. */
export class TorrentNotFoundError extends ReelError {
  readonly code = 'REEL_ERR_TORRENT_NOT_FOUND'
}

/** The torrent has no file with this index. */
export class FileNotFoundError extends ReelError {
  readonly code = 'REEL_ERR_FILE_NOT_FOUND'
}

/** The torrent is already on the box. */
export class DuplicateTorrentError extends ReelError {
  readonly code = 'REEL_ERR_DUPLICATE_TORRENT'
}

/** A Range header that is malformed or lies outside the file. */
export class RangeNotSatisfiableError extends ReelError {
  readonly code = 'REEL_ERR_RANGE_NOT_SATISFIABLE'
  constructor (message: string, readonly fileLength: number) {
    super(message)
  }
}

/** The disk holding the data dir is full; the piece was not stored and will be fetched again. */
export class DiskFullError extends ReelError {
  readonly code = 'REEL_ERR_DISK_FULL'
}

/** Reading or writing torrent data on disk failed for a reason other than a full disk. */
export class StorageError extends ReelError {
  readonly code = 'REEL_ERR_STORAGE'
}

/** A piece's SHA-1 did not match the torrent's; the data was discarded. */
export class PieceHashMismatchError extends ReelError {
  readonly code = 'REEL_ERR_PIECE_HASH_MISMATCH'
}

/** A peer broke the protocol (oversized or malformed message, data we never asked for). */
export class PeerProtocolError extends ReelError {
  readonly code = 'REEL_ERR_PEER_PROTOCOL'
}

/** A configuration file, environment variable or flag has a value that cannot be used. */
export class ConfigError extends ReelError {
  readonly code = 'REEL_ERR_CONFIG'
}

/** The operation was cancelled through its AbortSignal or because the torrent was removed. */
export class AbortedError extends ReelError {
  readonly code = 'REEL_ERR_ABORTED'
}

/** A read asked for a piece that is not verified on disk (never stored, or lost since); fetch it and retry. */
export class PieceNotAvailableError extends ReelError {
  readonly code = 'REEL_ERR_PIECE_NOT_AVAILABLE'
}

/** An HTTP request that is malformed: bad parameters, a body of the wrong shape, broken JSON. */
export class BadRequestError extends ReelError {
  readonly code = 'REEL_ERR_BAD_REQUEST'
}

/** An HTTP request body over the route's size limit. */
export class PayloadTooLargeError extends ReelError {
  readonly code = 'REEL_ERR_PAYLOAD_TOO_LARGE'
}

/** An HTTP request body in a content type the route does not accept. */
export class UnsupportedMediaTypeError extends ReelError {
  readonly code = 'REEL_ERR_UNSUPPORTED_MEDIA_TYPE'
}

/** No HTTP route with this method and path. */
export class RouteNotFoundError extends ReelError {
  readonly code = 'REEL_ERR_ROUTE_NOT_FOUND'
}

/** A magnet link's metadata did not arrive in time to answer a request that needs the file list. */
export class MetadataPendingError extends ReelError {
  readonly code = 'REEL_ERR_METADATA_PENDING'
}

/** An unexpected failure (a bug or an unnamed condition); the daemon log has the details. */
export class InternalError extends ReelError {
  readonly code = 'REEL_ERR_INTERNAL'
}

/** A command line that names an unknown command or lacks a required argument. */
export class UsageError extends ReelError {
  readonly code = 'REEL_ERR_USAGE'
}

/** The CLI could not reach the daemon's HTTP API at the given URL. */
export class DaemonUnreachableError extends ReelError {
  readonly code = 'REEL_ERR_DAEMON_UNREACHABLE'
}

/** An external media tool (ffmpeg) is missing or failed; `message` has its exit status and last output. */
export class MediaToolError extends ReelError {
  readonly code = 'REEL_ERR_MEDIA_TOOL'
}

/** A web seed (an HTTP server from the torrent's url-list, BEP 19) failed or answered wrongly; `message` names the URL and what it did. */
export class WebSeedError extends ReelError {
  readonly code = 'REEL_ERR_WEB_SEED'
}

/** A WebRTC peer signalled through a WebSocket tracker never opened its data channel (ICE failed, timeout, abort). */
export class WebRtcConnectError extends ReelError {
  readonly code = 'REEL_ERR_WEBRTC_CONNECT'
}

/** A title's file holds no video stream (a text file, an image, music); the HLS layer cannot play it. */
export class NotVideoError extends ReelError {
  readonly code = 'REEL_ERR_NOT_VIDEO'
}

/** A video file that ffprobe cannot read: a corrupt or truncated header, an unknown container. */
export class MediaUnreadableError extends ReelError {
  readonly code = 'REEL_ERR_MEDIA_UNREADABLE'
}

/** A video codec the box's browser cannot decode (HEVC where unsupported, MPEG-2, VP9/AV1 in this packager…); `message` is fit for the screen. */
export class UnsupportedCodecError extends ReelError {
  readonly code = 'REEL_ERR_UNSUPPORTED_CODEC'
}

/** An HLS segment was not ready in time (the swarm is slower than playback); the player retries it. */
export class SegmentTimeoutError extends ReelError {
  readonly code = 'REEL_ERR_SEGMENT_TIMEOUT'
}

/** Every error class, for the documentation test and the HTTP error mapper. */
export const errorClasses = [
  BadTorrentError, UnsafePathError, TorrentNotFoundError, FileNotFoundError, DuplicateTorrentError,
  RangeNotSatisfiableError, DiskFullError, StorageError, PieceHashMismatchError, PeerProtocolError,
  ConfigError, AbortedError, PieceNotAvailableError,
  BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, RouteNotFoundError, MetadataPendingError,
  InternalError, UsageError, DaemonUnreachableError, MediaToolError,
  WebSeedError, WebRtcConnectError,
  NotVideoError, MediaUnreadableError, UnsupportedCodecError, SegmentTimeoutError
] as const
