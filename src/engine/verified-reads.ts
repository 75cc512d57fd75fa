/**
 * Reads that wait for their pieces: a read resolves once every piece it touches is verified,
 * and waits again if the store drops one on its lazy re-check. Wakes are cheap broadcasts on
 * each verified piece; readers re-check what they need.
 */
import { AbortedError, PieceHashMismatchError } from '../errors.js'
import type { PieceStore } from '../store/index.js'

export class VerifiedReads {
  private readonly waiters = new Set<() => void>()

  /** Call when a piece became verified. */
  wake (): void {
    for (const wake of [...this.waiters]) wake()
  }

  async read (store: PieceStore, pieceLength: number, offset: number, length: number, signal: AbortSignal): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0)
    const first = Math.floor(offset / pieceLength)
    const last = Math.floor((offset + length - 1) / pieceLength)
    for (;;) {
      signal.throwIfAborted()
      let missing = false
      for (let piece = first; piece <= last && !missing; piece++) missing = !store.hasPiece(piece)
      if (!missing) {
        try {
          return await store.read(offset, length)
        } catch (err) {
          if (!(err instanceof PieceHashMismatchError)) throw err
          continue // the store dropped the piece; wait for it again
        }
      }
      await this.nextWake(signal)
    }
  }

  private async nextWake (signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const wake = (): void => { cleanup(); resolve() }
      const abort = (): void => { cleanup(); reject(signal.reason ?? new AbortedError('read aborted')) }
      const cleanup = (): void => { this.waiters.delete(wake); signal.removeEventListener('abort', abort) }
      this.waiters.add(wake)
      signal.addEventListener('abort', abort, { once: true })
    })
  }
}
