/**
 * Stream readers turned into piece deadlines. A reader says where it reads (its window) and,
 * when it knows it (at open or later), the stream's playback rate. With a rate, once the startup
 * bytes are in, a playback clock says when each byte plays; before that, and for readers
 * without a rate, we estimate the pace from how fast the position advances (the faster of it
 * and the rate). Every piece from the read position to a readahead horizon (in seconds of
 * playback) gets the time it is needed by (src/engine/readahead.ts sizes that horizon). Files
 * whose index may sit at the end get their tail when opened at the start (an MP4's moov at once,
 * Matroska cues once the opening is in), and an MP4 its head when read at the tail. The picker
 * does the rest (earliest deadline first).
 */
import { AbortedError } from '../errors.js'
import { readaheadBytes, readaheadSeconds, type ReadaheadPressure } from './readahead.js'
import type { ByteRangeReader, ReaderOptions, TorrentFileInfo } from './types.js'

/** Assumed stream rate before one is measured: about an 8 Mbit/s film. */
const DEFAULT_BYTES_PER_SECOND = 1024 * 1024
const MIN_BYTES_PER_SECOND = 128 * 1024
/** Bytes at a file's end that hold a container index (moov, cues) worth fetching at open. */
const INDEX_TAIL_BYTES = 2 * 1024 * 1024
/** MP4 family: a moov at the end must be read before anything plays. */
const MOOV_CONTAINER = /\.(mp4|m4v|mov|3gp)$/i
/** Matroska: played from its start by a linear read; the cues are read only to seek. */
const MATROSKA_CONTAINER = /\.(mkv|webm)$/i
/**
 * Opening an MP4 at its start: its first piece is due now, its last piece (where a short moov
 * lies whole) just after, the rest of the startup bytes after that.
 */
const INDEX_AFTER_FIRST_PIECE_MS = 200
const HEAD_AFTER_INDEX_MS = 500
/**
 * A player playing a Matroska file from its start has its cues due this long after its startup
 * bytes are in, so that a seek finds them in without their 2 MiB taking from the opening.
 * Claimed at once, they came in the seeders' first bursts beside the startup bytes and delayed
 * the pieces playback needed next. By then a 4 MiB/s swarm is some 3 s of a 3.4 MiB/s film
 * ahead of playback.
 */
const CUES_AFTER_OPEN_MS = 20_000
/**
 * Time the piece at the read position is needed by. Readers (a player's buffer, ffmpeg) read
 * ahead of what is on screen, so "now" would be too strict: it would declare every first
 * piece late at once and send it to the web seed before peers had a chance.
 */
const POSITION_SLACK_MS = 1000
/**
 * How long before the playback clock plays a piece it is due. Throttled peers deliver in bursts
 * up to a second apart, so a piece expected just in time is late as often as not: with pieces
 * due when they play, a swarm short of the film's rate drew its web seed only once the player's
 * buffer was gone, and playback stalled for a moment at nearly every burst.
 */
const PLAYBACK_MARGIN_MS = 1000
/**
 * Bytes after where a reader opened (or jumped to) that are all due at once: what a player
 * buffers before it starts, so the first pieces are fetched in parallel from every peer rather
 * than spaced out at a rate nobody has measured yet.
 */
const STARTUP_BYTES = 2 * 1024 * 1024
/** A forward move larger than this between two windows is a jump, not playback. */
const JUMP_BYTES = 4 * 1024 * 1024
/** Weight of the newest rate sample in the moving average. */
const RATE_SMOOTHING = 0.3
/**
 * After the last reader closes, the torrent still counts as streaming this long and asks its
 * peers for nothing: players close a range request and open the next at once (ffmpeg reopening
 * its input, a seek), and background requests made in that gap would already sit in the peers'
 * send buffers, ahead of the next reader's urgent blocks, by the time their cancels arrive.
 */
export const READER_LINGER_MS = 1000

export interface ReaderHost {
  pieceLength (): number
  length (): number
  file (index: number): TorrentFileInfo | undefined
  now (): number
  /** Torrent download rate, bytes/s, to size the readahead. */
  downloadRate (): number
  /** How short the box is of memory and disk, to shrink the readahead. */
  pressure (): ReadaheadPressure
  readVerified (offset: number, length: number, signal: AbortSignal): Promise<Uint8Array>
  /** The deadlines changed (a reader moved, opened or closed). */
  deadlinesChanged (): void
}

export class StreamReaders {
  private readonly readers = new Set<StreamReader>()
  private deadlines = new Map<number, number>()
  /** Runs while the last reader closed less than READER_LINGER_MS ago. */
  private lingerTimer: NodeJS.Timeout | undefined
  private stopped = false
  /** When the last reader someone watches (not background) closed; undefined before any. */
  private watchedUntil: number | undefined

  constructor (private readonly host: ReaderHost) {}

  create (options: ReaderOptions = {}): ByteRangeReader {
    return new StreamReader(this.host, this, options)
  }

  /** When `piece` is needed (ms timestamp), or undefined when no reader needs it. */
  deadlineOf (piece: number): number | undefined {
    return this.deadlines.get(piece)
  }

  get count (): number { return this.readers.size }

  /** The last reader closed a moment ago (READER_LINGER_MS): the next read is likely on its way. */
  get lingering (): boolean { return this.lingerTimer !== undefined }

  /** A reader is open or has just closed: the torrent is being streamed. */
  get streaming (): boolean { return this.readers.size > 0 || this.lingering }

  /** A reader not marked background is open, or closed at or after `since`. */
  watchedSince (since: number): boolean {
    if (this.watchedUntil !== undefined && this.watchedUntil >= since) return true
    for (const reader of this.readers) if (!reader.background) return true
    return false
  }

  /** The torrent is closing: no more lingering, no more calls to the host. */
  stop (): void {
    this.stopped = true
    clearTimeout(this.lingerTimer)
    this.lingerTimer = undefined
  }

  update (reader: StreamReader, active: boolean): void {
    if (!active && !this.readers.has(reader)) {
      // It never claimed a window (it only read a film's header): the others stay as they are.
      if (!reader.background) this.watchedUntil = this.host.now()
      return
    }
    const wasReading = this.readers.size > 0
    if (active) this.readers.add(reader)
    else this.readers.delete(reader)
    if (!active && !reader.background) this.watchedUntil = this.host.now()
    clearTimeout(this.lingerTimer)
    this.lingerTimer = undefined
    if (wasReading && this.readers.size === 0 && !this.stopped) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined
        if (!this.stopped) this.host.deadlinesChanged()
      }, READER_LINGER_MS).unref()
    }
    const merged = new Map<number, number>()
    for (const each of this.readers) {
      for (const [piece, deadline] of each.deadlines) {
        const current = merged.get(piece)
        if (current === undefined || deadline < current) merged.set(piece, deadline)
      }
    }
    this.deadlines = merged
    this.host.deadlinesChanged()
  }
}

class StreamReader implements ByteRangeReader {
  deadlines = new Map<number, number>()
  /** Media work nobody watches (ReaderOptions.background). */
  readonly background: boolean
  private readonly controller = new AbortController()
  private position: number | undefined
  private positionAt = 0
  /** Where the reader opened or last jumped to: the start of its startup bytes. */
  private startedAt = 0
  private bytesPerSecond = DEFAULT_BYTES_PER_SECOND
  private measured = false
  private readonly fileIndex: number | undefined
  /**
   * The stream's playback rate as its reader declared it, at open or later (declareRate: a
   * film's rate read from its header). Until the playback clock runs,
   * deadlines follow the faster of it and the reader's pace; once it runs, the clock alone.
   */
  private knownRate: number | undefined
  /**
   * Where playback of a stream with a known rate stands: byte `position` plays at `time`. It
   * starts once the startup bytes are read and keeps time at that rate, so a reader that falls
   * behind it (a swarm slower than the film) finds its next pieces due sooner and sooner, and
   * web seeds step in. Deadlines counted afresh from each read could not show that: they
   * forgot the lag at every read and stayed a second of slack away however far playback fell
   * behind. A reader ahead of the clock (a player filling its buffer, ffmpeg remuxing ahead)
   * gets the clock's later deadlines rather than its pace's: the pace of a reader that reads
   * pieces as they arrive is the download's, bursts included, and deadlines a second past its
   * last read called pieces late that playback would not reach for many seconds, bringing in
   * web seeds while the peers kept up. Undefined without a known rate, during the startup
   * bytes, and after a jump.
   */
  private playback: { position: number, time: number } | undefined
  /** When the startup bytes were in (the player started), whether or not a rate is known yet. */
  private startupReadAt: number | undefined
  /** The last window's end, to recompute deadlines when a rate is declared between reads. */
  private windowEnd = 0

  constructor (private readonly host: ReaderHost, private readonly registry: StreamReaders, options: ReaderOptions) {
    this.fileIndex = options.fileIndex
    this.background = options.background === true
    this.knownRate = validRate(options.bytesPerSecond)
  }

  setWindow (start: number, end: number): void {
    if (this.controller.signal.aborted) return
    const now = this.host.now()
    const from = Math.max(0, Math.min(start, this.host.length()))
    const to = Math.max(from, Math.min(end, this.host.length()))
    this.measure(from, now)
    this.keepPlaybackTime(from, now)
    this.windowEnd = to
    this.deadlines = to > from ? this.deadlinesFor(from, to, now) : new Map()
    this.registry.update(this, true)
  }

  declareRate (bytesPerSecond: number): void {
    const rate = validRate(bytesPerSecond)
    if (this.controller.signal.aborted || this.knownRate !== undefined || rate === undefined) return
    this.knownRate = rate
    const { position } = this
    if (position === undefined) return
    const now = this.host.now()
    this.keepPlaybackTime(position, now)
    this.deadlines = this.windowEnd > position ? this.deadlinesFor(position, this.windowEnd, now) : new Map()
    this.registry.update(this, true)
  }

  /** Updates the stream-rate estimate from how far the read position moved since last time. */
  private measure (position: number, now: number): void {
    const previous = this.position
    const elapsed = (now - this.positionAt) / 1000
    const moved = previous === undefined ? 0 : position - previous
    // A jump backwards or far ahead is a seek, not playback: keep the current estimate.
    if (previous === undefined || moved < 0 || moved > JUMP_BYTES) {
      this.startedAt = position
      this.startupReadAt = undefined
    } else if (moved > 0 && elapsed > 0.05) {
      const sample = moved / elapsed
      this.bytesPerSecond = this.measured ? this.bytesPerSecond * (1 - RATE_SMOOTHING) + sample * RATE_SMOOTHING : sample
      this.measured = true
    }
    if (previous === undefined || moved !== 0) {
      this.position = position
      this.positionAt = now
    }
  }

  /**
   * Starts the playback clock from when the startup bytes were in (the player started), and
   * moves it when the reader is behind it: the player has run dry and waits for the byte being
   * read now.
   */
  private keepPlaybackTime (position: number, now: number): void {
    if (position < this.startedAt + STARTUP_BYTES) {
      this.playback = undefined
      return
    }
    this.startupReadAt ??= now
    if (this.knownRate === undefined) {
      this.playback = undefined
    } else if (this.playback === undefined) {
      this.playback = { position: this.startedAt, time: this.startupReadAt }
    }
    if (this.playback !== undefined && this.playsAt(position) < now) {
      this.playback = { position, time: now }
    }
  }

  /** When playback reaches `offset` by the playback clock; Infinity without one. */
  private playsAt (offset: number): number {
    const { playback, knownRate } = this
    return playback === undefined || knownRate === undefined ? Infinity : playback.time + (offset - playback.position) / knownRate * 1000
  }

  private deadlinesFor (from: number, to: number, now: number): Map<number, number> {
    const pieceLength = this.host.pieceLength()
    const rate = Math.max(MIN_BYTES_PER_SECOND, this.knownRate ?? 0, this.bytesPerSecond)
    const pressure = this.host.pressure()
    const seconds = readaheadSeconds(rate, this.host.downloadRate(), pressure)
    const horizonEnd = Math.min(to, from + readaheadBytes(seconds, rate, pressure))
    const deadlines = new Map<number, number>()
    const first = Math.floor(from / pieceLength)
    const last = Math.floor((horizonEnd - 1) / pieceLength)
    const startupEnd = this.startedAt + STARTUP_BYTES
    for (let piece = first; piece <= last; piece++) {
      const start = piece * pieceLength
      // The startup bytes are due now: the race for them then goes to whichever peers would
      // finish soonest, spreading each piece over all of them, instead of to the first peer
      // that would merely make a deadline a second away.
      const due = start < startupEnd
        ? now
        : this.playback !== undefined
          ? this.playsAt(Math.max(start, from)) - PLAYBACK_MARGIN_MS
          : now + POSITION_SLACK_MS + Math.max(0, start - from) / rate * 1000
      deadlines.set(piece, Math.round(due))
    }
    this.addIndexRegions(from, now, deadlines)
    return deadlines
  }

  /**
   * Files whose index may sit at the end get it claimed from its end backwards. An MP4 is read
   * head, tail, head: a player reads a few KiB, jumps to the moov at the end, and comes back to
   * the start once it has parsed it; so opening at the start claims the moov right after the
   * first piece, and opening inside the tail claims the head's startup bytes. A player reads a
   * Matroska file from its start without its cues, which it reads only to seek: they are due
   * {@link CUES_AFTER_OPEN_MS} after its startup bytes are in. Background work (a probe for the
   * TV player, whose packager reads the cues before it plays) claims them at once, and claims
   * no index while someone watches the torrent: the viewer's opening comes first.
   */
  private addIndexRegions (from: number, now: number, deadlines: Map<number, number>): void {
    const file = this.fileIndex === undefined ? undefined : this.host.file(this.fileIndex)
    if (file === undefined || file.length <= 2 * INDEX_TAIL_BYTES) return
    const moov = MOOV_CONTAINER.test(file.path)
    const cues = MATROSKA_CONTAINER.test(file.path)
    if (!(moov || cues)) return
    if (this.background && this.registry.watchedSince(now)) return
    const pieceLength = this.host.pieceLength()
    const fileEnd = file.offset + file.length
    const tailStart = fileEnd - INDEX_TAIL_BYTES
    const firstOf = (offset: number): number => Math.floor(offset / pieceLength)
    const claim = (piece: number, due: number): void => {
      const current = deadlines.get(piece)
      if (current === undefined || due < current) deadlines.set(piece, Math.round(due))
    }
    const claimTail = (after: number): void => {
      for (let piece = firstOf(fileEnd - 1); piece >= firstOf(tailStart); piece--) {
        claim(piece, after + Math.max(0, fileEnd - (piece + 1) * pieceLength) / DEFAULT_BYTES_PER_SECOND * 1000)
      }
    }
    if (from === file.offset && (moov || this.background)) {
      claimTail(now + INDEX_AFTER_FIRST_PIECE_MS)
      if (!moov) return
      for (let piece = firstOf(from) + 1; piece <= firstOf(from + STARTUP_BYTES - 1); piece++) {
        if (deadlines.get(piece) === now) deadlines.set(piece, now + HEAD_AFTER_INDEX_MS)
      }
    } else if (cues && this.startedAt === file.offset && this.startupReadAt !== undefined) {
      claimTail(this.startupReadAt + CUES_AFTER_OPEN_MS)
    } else if (moov && from >= tailStart) {
      for (let piece = firstOf(file.offset); piece <= firstOf(file.offset + STARTUP_BYTES - 1); piece++) {
        claim(piece, now + HEAD_AFTER_INDEX_MS)
      }
    }
  }

  async read (offset: number, length: number, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    if (this.controller.signal.aborted) throw new AbortedError('the reader was closed')
    const signal = options.signal === undefined
      ? this.controller.signal
      : AbortSignal.any([options.signal, this.controller.signal])
    return await this.host.readVerified(offset, length, signal)
  }

  close (): void {
    if (this.controller.signal.aborted) return
    this.controller.abort(new AbortedError('the reader was closed'))
    this.deadlines = new Map()
    this.registry.update(this, false)
  }
}

function validRate (bytesPerSecond: number | undefined): number | undefined {
  return bytesPerSecond !== undefined && Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : undefined
}
