/**
 * Stream readers' claims on byte ranges, turned into piece priorities for the picker: a
 * piece inside a reader's window outranks every other wanted piece, and nearer pieces
 * outrank farther ones. The streaming picker replaces priorities with deadlines.
 */
import { AbortedError } from '../errors.js'
import type { ByteRangeReader } from './types.js'

/** Priority of ordinary wanted pieces; reader windows rank above it. */
export const BASE_PRIORITY = 1
const WINDOW_TOP_PRIORITY = 100_000

export interface ReaderHost {
  pieceLength (): number
  length (): number
  /** Resolves the bytes once the pieces are verified and readable. */
  readVerified (offset: number, length: number, signal: AbortSignal): Promise<Uint8Array>
  /** Called when the set of windows changed. */
  windowsChanged (): void
}

interface Window { first: number, last: number }

export class RangeReaders {
  private readonly windows = new Map<RangeReader, Window>()
  constructor (private readonly host: ReaderHost) {}

  create (): ByteRangeReader {
    return new RangeReader(this.host, this)
  }

  setWindow (reader: RangeReader, window: Window | undefined): void {
    if (window === undefined) this.windows.delete(reader)
    else this.windows.set(reader, window)
    this.host.windowsChanged()
  }

  /** Priority a reader window gives to `piece`, or 0 when no window covers it. */
  priorityOf (piece: number): number {
    let best = 0
    for (const window of this.windows.values()) {
      if (piece < window.first || piece > window.last) continue
      best = Math.max(best, WINDOW_TOP_PRIORITY - (piece - window.first))
    }
    return best
  }

  get count (): number { return this.windows.size }
}

class RangeReader implements ByteRangeReader {
  private readonly controller = new AbortController()

  constructor (private readonly host: ReaderHost, private readonly registry: RangeReaders) {}

  setWindow (start: number, end: number): void {
    if (this.controller.signal.aborted) return
    const from = Math.max(0, Math.min(start, this.host.length()))
    const to = Math.max(from, Math.min(end, this.host.length()))
    if (to === from) return this.registry.setWindow(this, undefined)
    this.registry.setWindow(this, {
      first: Math.floor(from / this.host.pieceLength()),
      last: Math.floor((to - 1) / this.host.pieceLength())
    })
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
    this.registry.setWindow(this, undefined)
  }
}
