/**
 * The engine's public face: what the HTTP API, the stream readers and the CLI may rely on.
 * Everything here is read-only views and narrow operations; the wiring lives in src/engine/.
 */
import type { UploadMode } from './choker.js'
import type { TorrentState } from './torrent-state.js'

export type { TorrentState }

/** One file of a torrent, with its place in the torrent's byte space. */
export interface TorrentFileInfo {
  index: number
  /** Path inside the torrent, `/`-separated, first segment is the torrent name for multi-file torrents. */
  path: string
  length: number
  /** Byte offset of the file's first byte in the concatenation of all files. */
  offset: number
}

export interface FileStats extends TorrentFileInfo {
  /** Verified bytes of this file on disk. */
  verifiedBytes: number
  progress: number
  wanted: boolean
}

export interface TorrentStats {
  infoHash: string
  name: string
  state: TorrentState
  length: number
  pieceLength: number
  pieceCount: number
  verifiedPieces: number
  /** 0..1, of wanted bytes. */
  progress: number
  downloadRate: number
  uploadRate: number
  /** Payload bytes received, verified or not. */
  downloadedBytes: number
  uploadedBytes: number
  bytesFromPeers: number
  bytesFromWebSeeds: number
  hashFailures: number
  peers: number
  seeds: number
  bannedPeers: number
  files: FileStats[]
  error?: string
}

export interface EngineStats {
  torrents: number
  peers: number
  downloadRate: number
  uploadRate: number
  downloadedBytes: number
  uploadedBytes: number
  bytesFromPeers: number
  bytesFromWebSeeds: number
  verifiedPieces: number
  hashFailures: number
  bannedPeers: number
}

/**
 * A reader's claim on the bytes it needs next: `start` is its read position, `end` the end of
 * what it will read. The engine estimates the stream's rate from how the position moves and
 * turns the window into piece deadlines up to a readahead horizon in seconds of playback.
 */
export interface ByteRangeReader {
  /** Tell the engine which bytes (torrent-global, end exclusive) this reader needs next, most urgent first. */
  setWindow (start: number, end: number): void
  /** Resolve with the bytes [offset, offset + length) once the pieces holding them are verified. */
  read (offset: number, length: number, options?: { signal?: AbortSignal }): Promise<Uint8Array>
  /**
   * The stream's playback rate, learned after the reader opened (from the file's container):
   * from now on as if given as ReaderOptions.bytesPerSecond. A rate given at open stays.
   */
  declareRate (bytesPerSecond: number): void
  /** Drop the claim; pending reads reject with AbortedError. */
  close (): void
}

export interface Torrent {
  readonly infoHash: string
  /** Known once metadata is (magnet links wait for ut_metadata). */
  readonly name: string
  readonly hasMetadata: boolean
  /** Resolves when metadata is known (immediately for .torrent input). */
  whenMetadata (options?: { signal?: AbortSignal }): Promise<void>
  files (): TorrentFileInfo[]
  /** Files the picker downloads; all by default. */
  setWantedFiles (indexes: readonly number[]): void
  /**
   * The first `bytes` of a wanted file are fetched before the rest of what is wanted, and
   * requests for them are never withdrawn when a reader closes: a title's opening, so that
   * Play starts from the box's own disk. One opening per torrent; a new call replaces it.
   */
  fetchFirst (fileIndex: number, bytes: number): void
  stats (): TorrentStats
  /**
   * A reader for stream playback. Given the file it reads, the engine also fetches that
   * file's container index early (MP4 moov or MKV cues at the end) when reading starts at
   * the file's first byte.
   */
  createReader (options?: ReaderOptions): ByteRangeReader
}

export interface ReaderOptions {
  /** The file read; tells the engine where its container index may lie. */
  fileIndex?: number
  /**
   * Bytes per second the stream plays at, when the reader knows it (the HLS layer does, from
   * the container's duration). Without it, piece deadlines follow an estimate of how fast the
   * reader's position advances; with it, once the startup bytes are in, a playback clock.
   */
  bytesPerSecond?: number
  /**
   * Media work nobody watches (a probe, a keyframe scan, a poster): its reads get deadlines like
   * any other, but it does not count as someone watching (`watchedTorrents`).
   */
  background?: boolean
}

export type AddTorrentInput = { torrentFile: Uint8Array } | { magnet: string }

export type { UploadMode }

/**
 * What the seeding policy drives, besides the Engine: the daemon's engine implements both
 * (`createEngine` returns `Engine & SeedingControls`); test fakes of Engine need not.
 */
export interface SeedingControls {
  /** Bytes per second of the upload bucket all peers share; 0 is unlimited. */
  setUploadRateLimit (bytesPerSecond: number): void
  /** At most this many more payload bytes are uploaded, whatever the rate (a monthly cap's remainder); undefined lifts it. */
  setUploadQuota (bytes: number | undefined): void
  /**
   * Who may download from us, enforced at once on every peer: 'open' (the choker decides),
   * 'reciprocal' (only peers feeding a playing stream), 'closed' (nobody). Call again every
   * second or so: 'reciprocal' follows which peers feed the stream.
   */
  setUploadMode (mode: UploadMode): void
  /** Info hashes with an open stream reader (HTTP /stream, and ffmpeg reading for HLS), background ones included. */
  streamingTorrents (): string[]
  /**
   * Info hashes someone watched at any moment since `since` (engine clock, ms): a reader not
   * marked background is open, or was when it closed at or after `since`. A read shorter than
   * the caller's sampling interval is counted too.
   */
  watchedTorrents (since: number): string[]
  /** Peer ids (hex) we are uploading to now. */
  servingPeers (): string[]
  /**
   * Stops the torrent and deletes its data, keeping its .torrent in `<dataDir>/state/evicted/`
   * so `restoreEvicted` can fetch it again. Throws TorrentNotFoundError, or BadTorrentError
   * for a magnet whose metadata has not arrived.
   */
  evictData (infoHash: string): Promise<void>
  /** Info hashes of evicted titles whose .torrent is kept. */
  evicted (): Promise<string[]>
  /** Adds an evicted title again from its kept .torrent (it downloads anew). Throws TorrentNotFoundError. */
  restoreEvicted (infoHash: string): Promise<Torrent>
}

export interface Engine {
  start (): Promise<void>
  stop (): Promise<void>
  /** Parses and adds; throws BadTorrentError for malformed input, DuplicateTorrentError when present. */
  add (input: AddTorrentInput): Promise<Torrent>
  get (infoHash: string): Torrent | undefined
  list (): Torrent[]
  /** Removes the torrent; deletes its data unless keepData. Throws TorrentNotFoundError. */
  remove (infoHash: string, options?: { keepData?: boolean }): Promise<void>
  stats (): EngineStats
  /** The TCP port peers connect to (known after start); 0 when the engine runs without TCP (`tcp: false`). */
  readonly torrentPort: number
}
