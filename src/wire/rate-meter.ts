/**
 * Bytes per second over a sliding window of one-second buckets. The clock is injected so
 * pipelining and choking decisions can be tested without waiting.
 *
 * A young meter divides by the time since its first byte, not by the whole window: a peer
 * that has sent 256 KiB in its first quarter second runs at 1 MiB/s, not at 256 KiB over five
 * seconds. Underestimating new peers kept their pipelines at the minimum and made every
 * deadline look unreachable for the first seconds of a stream.
 */

/** The shortest span a rate is measured over, so one early block does not read as a burst. */
const MIN_SPAN_SECONDS = 0.25

export class RateMeter {
  private readonly buckets: number[]
  private head = 0
  private headSecond: number
  private firstAt: number | undefined
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
    this.firstAt ??= this.now()
    this.buckets[this.head] = (this.buckets[this.head] ?? 0) + bytes
    this.total += bytes
  }

  /** Average over the window's complete seconds plus the current partial one, or since the first byte when that is shorter. */
  rate (): number {
    if (this.firstAt === undefined) return 0
    this.advance()
    let sum = 0
    for (const bytes of this.buckets) sum += bytes
    const now = this.now()
    const windowSpan = this.windowSeconds - 1 + Math.max((now % 1000) / 1000, 0.1)
    const age = (now - this.firstAt) / 1000
    return sum / Math.max(MIN_SPAN_SECONDS, Math.min(windowSpan, age))
  }
}
