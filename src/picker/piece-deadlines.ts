/**
 * The deadlines the picker ranks by, read from the mediator for every piece when built and at
 * each refresh, so that a change touches only the pieces whose deadline moved, and the requests
 * a vanished deadline leaves stale. Invariants: Infinity stands for "no deadline", never NaN;
 * `earliestFirst` lists exactly the pieces with a deadline, by deadline then index.
 */
import type { RequestLedger } from './request-ledger.js'
import type { PickerMediator, StaleRequest } from './types.js'

/** A piece with this share of its blocks received is finished even when its deadline goes. */
export const NEARLY_DONE = 0.75

/** Each piece's deadline as of the last refresh. */
export class PieceDeadlines {
  readonly #mediator: PickerMediator
  readonly #deadlines: Float64Array
  /** Pieces with a deadline, earliest first: a reader's window, small next to the torrent. */
  #earliestFirst: number[] = []

  constructor (mediator: PickerMediator) {
    this.#mediator = mediator
    this.#deadlines = Float64Array.from({ length: mediator.pieceCount }, (_, piece) => this.#ask(piece))
    this.#earliestFirst = this.#sorted()
  }

  /** Pieces with a deadline (verified ones included), earliest deadline first, ties by index. */
  earliestFirst (): readonly number[] {
    return this.#earliestFirst
  }

  /** The piece's deadline (ms), Infinity for none. */
  of (piece: number): number {
    return this.#deadlines[piece] ?? Infinity
  }

  /** Reads every deadline again and reports each piece whose deadline moved. */
  refresh (moved: (piece: number) => void): void {
    let anyMoved = false
    for (let piece = 0; piece < this.#deadlines.length; piece++) {
      const deadline = this.#ask(piece)
      if (deadline === this.#deadlines[piece]) continue
      this.#deadlines[piece] = deadline
      anyMoved = true
      moved(piece)
    }
    if (anyMoved) this.#earliestFirst = this.#sorted()
  }

  /**
   * Requests in flight that were made while their piece had a deadline it no longer has, in
   * piece and block order, leaving out pieces with {@link NEARLY_DONE} of their blocks received
   * and pieces `stillWanted` says are worth finishing anyway.
   */
  staleRequests (ledger: RequestLedger, stillWanted: (piece: number) => boolean = () => false): StaleRequest[] {
    const stale: StaleRequest[] = []
    for (const progress of ledger.pieces()) {
      const { piece, blockCount } = progress
      if (this.of(piece) !== Infinity || progress.received >= NEARLY_DONE * blockCount || stillWanted(piece)) continue
      for (let block = 0; block < blockCount; block++) {
        for (const peer of progress.requesters(block)) {
          if (ledger.stampOf(peer, piece, block)?.urgent === true) stale.push({ peer, req: { piece, block } })
        }
      }
    }
    // Stable: the copies of one block stay in the order they were requested.
    return stale.sort((a, b) => (a.req.piece - b.req.piece) || (a.req.block - b.req.block))
  }

  assertInvariants (): void {
    this.#deadlines.forEach((deadline, piece) => {
      if (Number.isNaN(deadline) || deadline === -Infinity) throw new Error(`piece ${piece} has deadline ${deadline}`)
    })
    const listed = this.#earliestFirst.join()
    const expected = this.#sorted().join()
    if (listed !== expected) throw new Error(`pieces with deadlines listed as [${listed}], expected [${expected}]`)
  }

  #sorted (): number[] {
    const pieces: number[] = []
    this.#deadlines.forEach((deadline, piece) => { if (deadline !== Infinity) pieces.push(piece) })
    return pieces.sort((a, b) => (this.of(a) - this.of(b)) || (a - b))
  }

  #ask (piece: number): number {
    const deadline = this.#mediator.pieceDeadline?.(piece)
    return typeof deadline === 'number' && Number.isFinite(deadline) ? deadline : Infinity
  }
}
