/**
 * Bytes per second over a sliding window of one-second buckets. The clock is injected so
 * pipelining and choking decisions can be tested without waiting.
 */
export class RateMeter {
  private readonly buckets: number[]
  private head = 0
  private headSecond: number
  total = 0

  constructor (private readonly now: () => number, private readonly windowSeconds = 5) {
    this.buckets = new Array<number>(windowSeconds).fill(0)
    this.headSecond = Math.floor(now() / 1000)
  }

  private advance (): void {
    const second = Math.floor(this.now() / 1000)
    const steps = Math.min(second - this.headSecond, this.windowSeconds)
    for (let i = 0; i < steps; i++) {
      this.head = (this.head + 1) % this.windowSeconds
      this.buckets[this.head] = 0
    }
    if (second > this.headSecond) this.headSecond = second
  }

  add (bytes: number): void {
    this.advance()
    this.buckets[this.head] = (this.buckets[this.head] ?? 0) + bytes
    this.total += bytes
  }

  /** Average over the window's complete seconds plus the current partial one. */
  rate (): number {
    this.advance()
    let sum = 0
    for (const bytes of this.buckets) sum += bytes
    const elapsedInCurrent = (this.now() % 1000) / 1000
    return sum / (this.windowSeconds - 1 + Math.max(elapsedInCurrent, 0.1))
  }
}
