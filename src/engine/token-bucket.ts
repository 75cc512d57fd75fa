/**
 * A token bucket shared by every peer of the daemon: the global upload or download rate
 * limit. Callers take bytes and, when the bucket is short, are told how long to wait.
 * Rate 0 means unlimited. The clock is injected.
 */
export class TokenBucket {
  private tokens: number
  private last: number
  /** Bytes that may still be taken in all, whatever the rate; undefined for no such bound. */
  private quota: number | undefined

  constructor (private rate: number, private readonly now: () => number, private readonly burstSeconds = 1) {
    this.tokens = rate * burstSeconds
    this.last = now()
  }

  get unlimited (): boolean { return this.rate <= 0 }

  setRate (rate: number): void {
    this.refill()
    this.rate = rate
    this.tokens = Math.min(this.tokens, rate * this.burstSeconds)
  }

  private refill (): void {
    const now = this.now()
    const elapsed = (now - this.last) / 1000
    this.last = now
    if (this.rate > 0) this.tokens = Math.min(this.rate * this.burstSeconds, this.tokens + elapsed * this.rate)
  }

  /** Takes `bytes` (the balance may go negative) and returns milliseconds to wait before sending them. */
  take (bytes: number): number {
    if (this.unlimited) return 0
    this.refill()
    this.tokens -= bytes
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.rate * 1000)
  }

  /**
   * Forgets bytes taken but not yet due (the balance goes back to 0 if negative): used when
   * every upload is choked, so the requests that ran the balance down were dropped unsent.
   */
  clearDebt (): void {
    this.refill()
    if (this.tokens < 0) this.tokens = 0
  }

  /**
   * Bounds the bytes that may be taken from now on, in all (a monthly upload cap's remainder);
   * undefined lifts the bound. Checked by `reserve`, which callers use before `take`.
   */
  setQuota (bytes: number | undefined): void {
    this.quota = bytes === undefined ? undefined : Math.max(0, bytes)
  }

  /** Counts `bytes` against the quota; false (nothing counted) when they would exceed it. */
  reserve (bytes: number): boolean {
    if (this.quota === undefined) return true
    if (bytes > this.quota) return false
    this.quota -= bytes
    return true
  }

  /** Milliseconds until the bucket is non-negative again, without taking anything. */
  debtMs (): number {
    if (this.unlimited) return 0
    this.refill()
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.rate * 1000)
  }
}
