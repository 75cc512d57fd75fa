/**
 * Download state of one started piece: which blocks arrived and which peers each missing block
 * is in flight to. Invariant: a received block has no requests; a block's peers are distinct.
 */

/** Blocks received and requests in flight for one piece that is not yet verified. */
export class PieceProgress {
  readonly piece: number
  readonly blockCount: number
  readonly #received: Uint8Array
  readonly #requesters: Array<string[] | undefined>
  #receivedCount = 0
  #requestedCount = 0

  constructor (piece: number, blockCount: number) {
    this.piece = piece
    this.blockCount = blockCount
    this.#received = new Uint8Array(blockCount)
    this.#requesters = new Array<string[] | undefined>(blockCount)
  }

  /** Blocks neither received nor in flight. */
  get unrequested (): number {
    return this.blockCount - this.#receivedCount - this.#requestedCount
  }

  /** Blocks received since the piece was started (or last failed its hash check). */
  get received (): number {
    return this.#receivedCount
  }

  /** Blocks with at least one request in flight. */
  get requested (): number {
    return this.#requestedCount
  }

  /** Nothing received and nothing in flight: the piece is no longer started. */
  get idle (): boolean {
    return this.#receivedCount === 0 && this.#requestedCount === 0
  }

  isReceived (block: number): boolean {
    return this.#received[block] === 1
  }

  /** Peers the block is in flight to, in request order. */
  requesters (block: number): readonly string[] {
    return this.#requesters[block] ?? []
  }

  /** Some block is in flight to a peer that passes the test. */
  isInFlightTo (test: (peer: string) => boolean): boolean {
    return this.#requesters.some(peers => peers?.some(test) === true)
  }

  addRequest (block: number, peer: string): void {
    const peers = this.#requesters[block]
    if (peers === undefined || peers.length === 0) {
      this.#requesters[block] = [peer]
      this.#requestedCount++
    } else {
      peers.push(peer)
    }
  }

  /** False when the peer had no request for the block. */
  removeRequest (block: number, peer: string): boolean {
    const peers = this.#requesters[block]
    const at = peers?.indexOf(peer) ?? -1
    if (peers === undefined || at < 0) return false
    peers.splice(at, 1)
    if (peers.length === 0) {
      this.#requesters[block] = undefined
      this.#requestedCount--
    }
    return true
  }

  /** Marks the block received and hands back every peer it was in flight to (now forgotten). */
  receive (block: number): string[] {
    if (this.#received[block] === 1) return []
    const peers = this.#requesters[block] ?? []
    if (peers.length > 0) this.#requestedCount--
    this.#requesters[block] = undefined
    this.#received[block] = 1
    this.#receivedCount++
    return peers
  }

  /** Forgets received blocks (hash failure); requests still in flight stay recorded. */
  clearReceived (): void {
    this.#received.fill(0)
    this.#receivedCount = 0
  }

  assertInvariants (maxRequesters: number): void {
    let received = 0
    let requested = 0
    for (let block = 0; block < this.blockCount; block++) {
      const peers = this.#requesters[block] ?? []
      const where = `piece ${this.piece} block ${block}`
      if (this.#received[block] === 1) {
        received++
        if (peers.length > 0) throw new Error(`${where} is received but still in flight to ${peers.join(', ')}`)
      }
      if (peers.length > 0) requested++
      if (this.#requesters[block]?.length === 0) throw new Error(`${where} keeps an empty request list`)
      if (new Set(peers).size !== peers.length) throw new Error(`${where} is requested twice from one peer: ${peers.join(', ')}`)
      if (peers.length > maxRequesters) throw new Error(`${where} is in flight ${peers.length} times, cap ${maxRequesters}`)
    }
    if (received !== this.#receivedCount) throw new Error(`piece ${this.piece} counts ${this.#receivedCount} received blocks, has ${received}`)
    if (requested !== this.#requestedCount) throw new Error(`piece ${this.piece} counts ${this.#requestedCount} requested blocks, has ${requested}`)
  }
}
