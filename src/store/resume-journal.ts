/**
 * Decides when verified pieces become durable and what the resume journal claims. A piece enters
 * the journal only after the data files it touched were fsynced; snapshots are batched (at most
 * every `flushDelayMs` or `flushEveryPieces`, plus explicit flushes) and written one at a time.
 */
import { dirname } from 'node:path'
import { AbortedError } from '../errors.js'
import type { Logger } from '../log.js'
import { Bitfield } from './bitfield.js'
import { encodeJournal, readJournal, writeJournalAtomic, type JournalMeta } from './journal.js'
import { toStorageError, type StoreFs } from './store-fs.js'

const MAX_BACKOFF_MS = 30_000

export interface ResumeJournalInit {
  fs: StoreFs
  file: string
  meta: JournalMeta
  log: Logger
  flushDelayMs: number
  flushEveryPieces: number
  /** Torrent paths of the files holding a piece's bytes. */
  filesOf: (piece: number) => string[]
  /** fsyncs data files (and their new directory entries); returns those that no longer exist. */
  syncFiles: (paths: Iterable<string>) => Promise<Set<string>>
  /** A pending piece's file vanished before it could be synced. */
  onVanished: (piece: number) => void
}

export class ResumeJournal {
  /** Exactly what the next snapshot will claim: journaled or fsynced, and not lost since. */
  private durable: Bitfield
  /** Verified pieces awaiting fsync, with the generation that verified them. */
  private readonly pending = new Map<number, number>()
  private generation = 0
  private dirty = false
  private running = false
  private chain: Promise<void> = Promise.resolve()
  private queued: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private failures = 0

  constructor (private readonly init: ResumeJournalInit) {
    this.durable = new Bitfield(init.meta.pieceCount)
  }

  /** The journaled pieces, or none when the journal is missing, torn, corrupt or for other metadata. */
  async load (): Promise<Bitfield> {
    const { fs, file, meta, log } = this.init
    let result
    try {
      result = await readJournal(fs, file, meta)
    } catch (err) {
      result = { ok: false as const, missing: false, reason: `unreadable: ${(err as Error).message}` }
    }
    if (result.ok) return new Bitfield(meta.pieceCount, result.bits)
    if (result.missing) log.debug({ resumeFile: file }, result.reason)
    else log.warn({ resumeFile: file, reason: result.reason }, 'resume journal ignored; starting with no verified pieces')
    return new Bitfield(meta.pieceCount)
  }

  /** Starts tracking from the pieces the store trusts; `changed` when that differs from the file. */
  start (trusted: Bitfield, changed: boolean): void {
    this.durable = new Bitfield(trusted.size, trusted.bytes)
    this.running = true
    if (changed) {
      this.dirty = true
      this.schedule(false)
    }
  }

  /** A piece was verified and written; it becomes durable at the next flush. */
  verified (piece: number): void {
    this.pending.set(piece, ++this.generation)
    this.schedule(this.pending.size >= this.init.flushEveryPieces)
  }

  /** A verified piece is gone; the journal must stop claiming it. */
  lost (piece: number): void {
    this.pending.delete(piece)
    if (!this.durable.has(piece)) return
    this.durable.clear(piece)
    this.dirty = true
    this.schedule(false)
  }

  /** Makes every piece verified so far durable; callers arriving while a flush waits to start share it. */
  async flush (): Promise<void> {
    if (this.queued !== undefined) return await this.queued
    const run = this.chain.then(async () => {
      this.queued = undefined
      await this.flushOnce()
    })
    this.queued = run
    this.chain = run.catch(() => {})
    await run
  }

  /** No more automatic flushes (the store is closing). */
  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Resolves once no flush is running or queued, whatever their outcome. */
  async settled (): Promise<void> {
    await this.chain
  }

  private async flushOnce (): Promise<void> {
    if (this.pending.size === 0 && !this.dirty) return
    const batch = [...this.pending]
    const paths = new Set(batch.flatMap(([piece]) => this.init.filesOf(piece)))
    const vanished = await this.init.syncFiles(paths)
    for (const [piece] of batch) {
      if (this.init.filesOf(piece).some(path => vanished.has(path))) this.init.onVanished(piece)
    }
    for (const [piece, generation] of batch) {
      // A piece lost and stored again while we synced carries a newer generation: not covered.
      if (this.pending.get(piece) !== generation) continue
      this.pending.delete(piece)
      this.durable.set(piece)
      this.dirty = true
    }
    if (!this.dirty) return
    this.dirty = false
    const { fs, file, meta } = this.init
    try {
      await writeJournalAtomic(fs, file, encodeJournal(meta, this.durable.bytes))
    } catch (err) {
      this.dirty = true
      throw toStorageError(err, 'writing resume journal', file, dirname(file))
    }
    this.failures = 0
  }

  private schedule (now: boolean): void {
    if (!this.running) return
    if (now) {
      clearTimeout(this.timer)
      this.timer = undefined
      this.flushInBackground()
      return
    }
    if (this.timer !== undefined) return
    // Back off while flushes fail (full disk): retry, but do not spin.
    const delay = Math.min(MAX_BACKOFF_MS, this.init.flushDelayMs * 2 ** this.failures)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flushInBackground()
    }, delay)
    this.timer.unref()
  }

  private flushInBackground (): void {
    this.flush().catch(err => {
      if (err instanceof AbortedError) return
      this.failures++
      this.init.log.warn({ err }, 'could not make verified pieces durable; will retry')
      this.schedule(false)
    })
  }
}
