/**
 * A BEP 19 (url-list) web seed: a fallback peer that fetches torrent byte ranges from the
 * operator's HTTP server, one Range request per file part, at most `maxConcurrent` at once.
 * Invariant: fetchRange resolves exactly the asked bytes or rejects; a call that fails aborts
 * its other requests before it settles, so nothing it started outlives it.
 */
import { setMaxListeners } from 'node:events'
import { AbortedError, ReelError, WebSeedError } from '../errors.js'
import { FailureBackoff, ThroughputMeter } from './web-seed-health.js'
import { fileUrls, WebSeedLayout, type FilePart, type WebSeedFile } from './web-seed-layout.js'
import { fetchFilePart, forwardAbort } from './web-seed-request.js'

export type { WebSeedFile } from './web-seed-layout.js'

export interface WebSeedInit {
  /** One url-list entry. */
  url: string
  torrentName: string
  multiFile: boolean
  files: ReadonlyArray<WebSeedFile>
  /** A request fails when no headers or body bytes arrive for this long (default 10 s). */
  requestTimeoutMs?: number
  /** HTTP requests at once (default 4). */
  maxConcurrent?: number
  /** Clock in milliseconds for rate and back-off (default performance.now). */
  now?: () => number
  /** Consecutive failed fetchRange calls before the seed pauses (default 3). */
  failuresBeforeBackoff?: number
  /** First pause (default 5 s), doubled after each failed probe up to backoffMaxMs (default 5 min). */
  backoffBaseMs?: number
  backoffMaxMs?: number
}

export interface WebSeed {
  readonly url: string
  /**
   * Torrent-global bytes [offset, offset+length); may span several files (one Range request per
   * file part, in parallel within maxConcurrent). Resolves exactly `length` bytes, or rejects with
   * WebSeedError saying what the server did wrong, AbortedError when cancelled or closed, or
   * RangeNotSatisfiableError when the range is not inside the torrent.
   */
  fetchRange (offset: number, length: number, options?: { signal?: AbortSignal }): Promise<Uint8Array>
  /** Measured bytes/s of recent successful fetches, 0 before any. */
  rate (): number
  /** Bytes in requests not yet answered. */
  queuedBytes (): number
  /** False while the seed pauses after repeated failures (and after close); true again when the pause ends. */
  isUsable (): boolean
  /** Aborts everything in flight; later fetches reject with AbortedError. */
  close (): void
}

/** Creates a web seed; throws WebSeedError for a URL that is not http(s), UnsafePathError for a path it cannot address. */
export function createWebSeed (init: WebSeedInit): WebSeed {
  return new HttpWebSeed(init)
}

class HttpWebSeed implements WebSeed {
  readonly url: string
  private readonly layout: WebSeedLayout
  private readonly timeoutMs: number
  private readonly slots: RequestSlots
  private readonly meter: ThroughputMeter
  private readonly backoff: FailureBackoff
  private readonly closing = new AbortController()
  private queued = 0

  constructor (init: WebSeedInit) {
    this.url = init.url
    // One abort listener per fetch in flight (and per part on a fetch's own signal): no leak, just many.
    setMaxListeners(0, this.closing.signal)
    this.layout = new WebSeedLayout(init.files, fileUrls(init.url, init.torrentName, init.multiFile, init.files))
    this.timeoutMs = init.requestTimeoutMs ?? 10_000
    this.slots = new RequestSlots(Math.max(1, init.maxConcurrent ?? 4))
    const now = init.now ?? (() => performance.now())
    this.meter = new ThroughputMeter(now)
    this.backoff = new FailureBackoff(now, {
      failuresBeforeBackoff: init.failuresBeforeBackoff ?? 3,
      baseMs: init.backoffBaseMs ?? 5_000,
      maxMs: init.backoffMaxMs ?? 300_000
    })
  }

  async fetchRange (offset: number, length: number, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    if (this.closing.signal.aborted) throw new AbortedError(`web seed ${this.url} is closed`)
    const parts = this.layout.parts(offset, length)
    const target = new Uint8Array(length)
    if (length === 0) return target
    const call = new AbortController()
    setMaxListeners(0, call.signal)
    const unlinkClose = forwardAbort(this.closing.signal, call)
    const unlinkCaller = forwardAbort(options.signal, call, signal =>
      new AbortedError(`web seed ${this.url}: fetch of bytes ${offset}-${offset + length - 1} cancelled`, { cause: signal.reason }))
    this.queued += length
    try {
      // Every part settles before the call does: the first failure aborts the others.
      await Promise.allSettled(parts.map(async part => {
        try {
          await this.fetchPart(part, target, call.signal)
        } catch (err) {
          call.abort(err)
        } finally {
          this.queued -= part.length
        }
      }))
      if (call.signal.aborted) {
        const failure: unknown = call.signal.reason
        if (failure instanceof WebSeedError) this.backoff.failed()
        throw failure instanceof ReelError ? failure : new WebSeedError(`web seed ${this.url}: ${String(failure)}`, { cause: failure })
      }
      this.backoff.succeeded()
      return target
    } finally {
      unlinkClose()
      unlinkCaller()
    }
  }

  rate (): number {
    return this.meter.rate()
  }

  queuedBytes (): number {
    return this.queued
  }

  isUsable (): boolean {
    return !this.closing.signal.aborted && this.backoff.isUsable()
  }

  close (): void {
    this.closing.abort(new AbortedError(`web seed ${this.url} was closed`))
  }

  private async fetchPart (part: FilePart, target: Uint8Array, signal: AbortSignal): Promise<void> {
    if (part.file.pad === true) return // BEP 47 padding: zeros, already in target
    const release = await this.slots.acquire(signal)
    this.meter.started()
    let delivered: number | undefined
    try {
      await fetchFilePart({
        url: part.url,
        start: part.start,
        length: part.length,
        fileLength: part.file.length,
        target: target.subarray(part.at, part.at + part.length),
        stallTimeoutMs: this.timeoutMs,
        signal
      })
      delivered = part.length
    } finally {
      this.meter.ended(delivered)
      release()
    }
  }
}

/** A FIFO counting semaphore whose waiters leave the queue when their signal aborts. */
class RequestSlots {
  private free: number
  private readonly waiting: Array<() => void> = []

  constructor (size: number) {
    this.free = size
  }

  /** Resolves with the release function once a slot is free; rejects with the signal's reason. */
  async acquire (signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw signal.reason
    if (this.free > 0) {
      this.free--
    } else {
      await new Promise<void>((resolve, reject) => {
        const grant = (): void => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
        const onAbort = (): void => {
          this.waiting.splice(this.waiting.indexOf(grant), 1)
          reject(signal.reason)
        }
        this.waiting.push(grant)
        signal.addEventListener('abort', onAbort, { once: true })
      })
    }
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next === undefined) this.free++
      else next() // the slot passes straight to the next waiter
    }
  }
}
