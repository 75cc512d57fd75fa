/**
 * How well a web seed is doing: its throughput while busy, and an exponential back-off after
 * repeated failures. Both read time only through the injected clock, so tests drive them exactly.
 */

const RATE_SAMPLES = 16

/**
 * Bytes per second over the last successful requests, counted against the time at least one
 * request was in flight, so parallel requests add up instead of each looking slow.
 */
export class ThroughputMeter {
  private active = 0
  private busySince = 0
  private busyBefore = 0
  private busyAtLastSample = 0
  private readonly samples: Array<{ bytes: number, ms: number }> = []

  constructor (private readonly now: () => number) {}

  started (): void {
    if (this.active === 0) this.busySince = this.now()
    this.active++
  }

  /** A request ended: `bytes` it delivered, or undefined when it failed (its busy time is not counted). */
  ended (bytes: number | undefined): void {
    const t = this.now()
    const busy = this.busyBefore + (t - this.busySince)
    this.active--
    if (this.active === 0) this.busyBefore = busy
    if (bytes !== undefined) {
      this.samples.push({ bytes, ms: busy - this.busyAtLastSample })
      if (this.samples.length > RATE_SAMPLES) this.samples.shift()
    }
    this.busyAtLastSample = busy
  }

  /** Bytes/s; 0 before any success. */
  rate (): number {
    if (this.samples.length === 0) return 0
    let bytes = 0
    let ms = 0
    for (const sample of this.samples) {
      bytes += sample.bytes
      ms += sample.ms
    }
    // A clock too coarse to see a fast request: count at least a millisecond.
    return bytes * 1000 / Math.max(ms, 1)
  }
}

export interface BackoffOptions {
  /** Consecutive failed fetches before the first pause. */
  failuresBeforeBackoff: number
  /** First pause; each further failure after a pause doubles it, up to maxMs. */
  baseMs: number
  maxMs: number
}

/**
 * Counts consecutive failures; from the threshold on, each failure pauses the seed, each pause
 * twice as long as the last. Once a pause ends one probe is allowed: its failure pauses again,
 * its success forgets everything. Failures of requests still in flight during a pause are ignored.
 */
export class FailureBackoff {
  private failures = 0
  private pauses = 0
  private retryAt = -Infinity

  constructor (private readonly now: () => number, private readonly options: BackoffOptions) {}

  succeeded (): void {
    this.failures = 0
    this.pauses = 0
    this.retryAt = -Infinity
  }

  failed (): void {
    const t = this.now()
    if (t < this.retryAt) return
    this.failures++
    if (this.failures < this.options.failuresBeforeBackoff) return
    const pause = Math.min(this.options.maxMs, this.options.baseMs * 2 ** this.pauses)
    this.pauses++
    this.retryAt = t + pause
  }

  isUsable (): boolean {
    return this.now() >= this.retryAt
  }
}
