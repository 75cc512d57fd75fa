/**
 * A byte range of one torrent file as a Node Readable, fed by a ByteRangeReader. The reader's
 * window always starts at the next byte to fetch and reaches `readahead` bytes further (or the
 * range's end), so the engine fetches what playback needs next. Each read covers one piece (at
 * most `maxChunk` bytes), so bytes leave as soon as their piece is verified; reads run one at a
 * time and only when the consumer wants more (backpressure). The reader is closed on end,
 * destroy, error and abort.
 */
import { Readable } from 'node:stream'
import { AbortedError, FileNotFoundError, RangeNotSatisfiableError, StorageError } from '../errors.js'
import type { ByteRangeReader, Torrent } from '../engine/types.js'

/**
 * By default the window reaches the end of the requested range: the engine sizes the actual
 * readahead in seconds of playback from the stream's rate and the swarm's speed.
 */
export const DEFAULT_READAHEAD = Number.POSITIVE_INFINITY
export const DEFAULT_MAX_CHUNK = 1024 * 1024

export interface FileStreamOptions {
  /** Aborting destroys the stream with AbortedError and closes the reader. */
  signal?: AbortSignal
  /** Bytes past the read position the reader claims at most; default: to the range's end. */
  readahead?: number
  /** Largest single read; default 1 MiB. */
  maxChunk?: number
  /** The stream's playback rate when the caller knows it; see ReaderOptions. */
  bytesPerSecond?: number
  /**
   * The playback rate the caller is still finding out (from the file's container): declared to
   * the reader once it resolves to a number. Ignored when `bytesPerSecond` is given.
   */
  learnedRate?: Promise<number | undefined>
  /** Media work nobody watches (a probe, a poster); see ReaderOptions. */
  background?: boolean
}

/**
 * Streams bytes [start, end] (end inclusive, file-relative) of file `fileIndex`. An empty range
 * (`end === start - 1`) ends at once without creating a reader.
 * Throws FileNotFoundError for an unknown file, RangeNotSatisfiableError for a range outside it.
 */
export function createFileStream (
  torrent: Torrent, fileIndex: number, start: number, end: number, options: FileStreamOptions = {}
): Readable {
  const file = torrent.files()[fileIndex]
  if (file === undefined) throw new FileNotFoundError(`torrent ${torrent.infoHash} has no file ${fileIndex}`)
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start - 1 || end >= file.length) {
    throw new RangeNotSatisfiableError(`bytes ${start}-${end} are outside file ${fileIndex} (${file.length} bytes)`, file.length)
  }
  const readahead = options.readahead ?? DEFAULT_READAHEAD
  const maxChunk = options.maxChunk ?? DEFAULT_MAX_CHUNK
  if (!(readahead >= 1) || !(maxChunk >= 1)) throw new RangeError('readahead and maxChunk must be positive')
  const pieceLength = end >= start ? torrent.stats().pieceLength : 0
  return new TorrentFileStream(torrent, file.offset + start, file.offset + end + 1, {
    fileIndex, readahead, maxChunk, pieceLength, signal: options.signal, bytesPerSecond: options.bytesPerSecond, background: options.background === true
  }, options.bytesPerSecond === undefined ? options.learnedRate : undefined)
}

interface StreamPlan {
  fileIndex: number
  readahead: number
  maxChunk: number
  pieceLength: number
  signal: AbortSignal | undefined
  /** Set later when the rate is learned after opening. */
  bytesPerSecond: number | undefined
  background: boolean
}

class TorrentFileStream extends Readable {
  /** Torrent-global offset of the next byte to fetch. */
  private position: number
  private reader: ByteRangeReader | undefined
  private inflight: AbortController | undefined
  private readonly onAbort = (): void => { this.destroy(new AbortedError('the stream was aborted')) }

  constructor (
    private readonly torrent: Torrent,
    from: number,
    /** Torrent-global, exclusive. */
    private readonly stop: number,
    private readonly plan: StreamPlan,
    learnedRate: Promise<number | undefined> | undefined
  ) {
    super({ highWaterMark: plan.maxChunk })
    this.position = from
    learnedRate?.then(rate => {
      if (rate === undefined || this.destroyed) return
      this.plan.bytesPerSecond = rate
      this.reader?.declareRate(rate)
    }, () => {})
    const signal = plan.signal
    if (signal !== undefined) {
      if (signal.aborted) process.nextTick(this.onAbort)
      else signal.addEventListener('abort', this.onAbort, { once: true })
    }
  }

  override _read (): void {
    if (this.inflight !== undefined) return
    if (this.position >= this.stop) {
      this.push(null)
      return
    }
    const { fileIndex, bytesPerSecond, background } = this.plan
    const reader = this.reader ??= this.torrent.createReader({
      fileIndex, ...(bytesPerSecond !== undefined ? { bytesPerSecond } : {}), ...(background ? { background } : {})
    })
    const offset = this.position
    const length = this.chunkEnd(offset) - offset
    this.advanceWindow(reader, offset)

    const controller = new AbortController()
    this.inflight = controller
    reader.read(offset, length, { signal: controller.signal }).then(bytes => {
      if (this.inflight !== controller || this.destroyed) return
      this.inflight = undefined
      if (bytes.byteLength !== length) {
        this.destroy(new StorageError(`read of ${length} bytes at ${offset} returned ${bytes.byteLength}`))
        return
      }
      this.position = offset + length
      this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      if (this.position >= this.stop) this.push(null)
    }, (err: unknown) => {
      if (this.inflight !== controller || this.destroyed) return
      this.inflight = undefined
      this.destroy(err instanceof Error ? err : new StorageError(String(err)))
    })
  }

  override _destroy (err: Error | null, callback: (err?: Error | null) => void): void {
    this.plan.signal?.removeEventListener('abort', this.onAbort)
    this.inflight?.abort(new AbortedError('the stream was closed'))
    this.inflight = undefined
    this.reader?.close()
    callback(err)
  }

  /**
   * End (exclusive) of the chunk starting at `offset`: the next piece boundary, so bytes go out
   * as soon as each piece is verified; pieces larger than maxChunk are read maxChunk at a time.
   */
  private chunkEnd (offset: number): number {
    const { maxChunk, pieceLength } = this.plan
    const grid = pieceLength > 0 ? Math.min(pieceLength, maxChunk) : maxChunk
    return Math.min(this.stop, (Math.floor(offset / grid) + 1) * grid)
  }

  /** Slides the reader's claim to [offset, offset + readahead), clipped to the range. */
  private advanceWindow (reader: ByteRangeReader, offset: number): void {
    reader.setWindow(offset, Math.min(this.stop, offset + this.plan.readahead))
  }
}
