/**
 * Which source has which piece, and how many peers have each piece. Web seeds have every piece
 * but are a fallback, not a sign of how common a piece is, so they are not counted.
 * Invariant: availability(p) = (peers whose bitfield has p) + (peers that have everything).
 */

/** What one peer is known to have: everything, or the pieces marked 1. */
type PeerPieces = { all: true } | { all: false, bits: Uint8Array, count: number }

/** Size of the torrent and who to tell when availability moves. */
export interface SwarmAvailabilityInit {
  pieceCount: number
  /** The availability of one piece went up or down. */
  onPieceChanged: (piece: number) => void
  /** A peer with every piece came or went: every availability moved by the same amount. */
  onEveryPieceChanged: () => void
}

/** Per-peer piece sets and per-piece peer counts, kept in step. */
export class SwarmAvailability {
  readonly #pieceCount: number
  readonly #onPieceChanged: (piece: number) => void
  readonly #onEveryPieceChanged: () => void
  /** Peers with a bitfield that have the piece; peers with everything count once, in #seeds. */
  readonly #counts: Uint32Array
  #seeds = 0
  readonly #peers = new Map<string, PeerPieces>()
  readonly #webSeeds = new Set<string>()

  constructor (init: SwarmAvailabilityInit) {
    this.#pieceCount = init.pieceCount
    this.#onPieceChanged = init.onPieceChanged
    this.#onEveryPieceChanged = init.onEveryPieceChanged
    this.#counts = new Uint32Array(init.pieceCount)
  }

  /** The peer sent a bitfield, HAVE ALL or a HAVE, or is a web seed, and has not gone since. */
  knows (peer: string): boolean {
    return this.#peers.has(peer) || this.#webSeeds.has(peer)
  }

  /** Every source known: peers in the order they were first heard from, then web seeds. */
  * peers (): Generator<string> {
    yield * this.#peers.keys()
    for (const seed of this.#webSeeds) if (!this.#peers.has(seed)) yield seed
  }

  has (peer: string, piece: number): boolean {
    if (!this.#inRange(piece)) return false
    if (this.#webSeeds.has(peer)) return true
    const known = this.#peers.get(peer)
    return known !== undefined && (known.all || known.bits[piece] === 1)
  }

  /** The source asked as a web seed and has not gone since. */
  isWebSeed (peer: string): boolean {
    return this.#webSeeds.has(peer)
  }

  /** Marks the source as a web seed, or as no longer one. */
  setWebSeed (peer: string, webSeed: boolean): void {
    if (webSeed) this.#webSeeds.add(peer)
    else this.#webSeeds.delete(peer)
  }

  of (piece: number): number {
    return this.#inRange(piece) ? (this.#counts[piece] ?? 0) + this.#seeds : 0
  }

  /** Replaces what was known of the peer, reporting only the pieces whose count moved. */
  setBitfield (peer: string, has: (piece: number) => boolean): void {
    const old = this.#peers.get(peer)
    const bits = new Uint8Array(this.#pieceCount)
    let count = 0
    for (let piece = 0; piece < this.#pieceCount; piece++) {
      if (has(piece)) { bits[piece] = 1; count++ }
    }
    this.#peers.set(peer, { all: false, bits, count })
    if (old?.all === true) {
      this.#seeds--
      for (let piece = 0; piece < this.#pieceCount; piece++) this.#counts[piece]! += bits[piece]!
      this.#onEveryPieceChanged()
      return
    }
    for (let piece = 0; piece < this.#pieceCount; piece++) {
      const delta = bits[piece]! - (old?.bits[piece] ?? 0)
      if (delta === 0) continue
      this.#counts[piece]! += delta
      this.#onPieceChanged(piece)
    }
  }

  setHaveAll (peer: string): void {
    const old = this.#peers.get(peer)
    if (old?.all === true) return
    if (old !== undefined) this.#subtract(old.bits)
    this.#peers.set(peer, { all: true })
    this.#seeds++
    this.#onEveryPieceChanged()
  }

  addHave (peer: string, piece: number): void {
    if (!this.#inRange(piece)) return
    let known = this.#peers.get(peer)
    if (known === undefined) {
      // A peer with nothing may skip its bitfield and start straight with HAVE messages.
      known = { all: false, bits: new Uint8Array(this.#pieceCount), count: 0 }
      this.#peers.set(peer, known)
    }
    if (known.all || known.bits[piece] === 1) return
    known.bits[piece] = 1
    known.count++
    this.#counts[piece]!++
    this.#onPieceChanged(piece)
  }

  remove (peer: string): void {
    this.#webSeeds.delete(peer)
    const old = this.#peers.get(peer)
    if (old === undefined) return
    this.#peers.delete(peer)
    if (old.all) {
      this.#seeds--
      this.#onEveryPieceChanged()
    } else {
      this.#subtract(old.bits)
    }
  }

  assertInvariants (): void {
    const expected = new Uint32Array(this.#pieceCount)
    let seeds = 0
    for (const [peer, known] of this.#peers) {
      if (known.all) { seeds++; continue }
      let count = 0
      known.bits.forEach((bit, piece) => {
        if (bit !== 0 && bit !== 1) throw new Error(`peer ${peer} has bit ${bit} for piece ${piece}`)
        count += bit
        expected[piece]! += bit
      })
      if (count !== known.count) throw new Error(`peer ${peer} counts ${known.count} pieces, has ${count}`)
    }
    if (seeds !== this.#seeds) throw new Error(`${this.#seeds} seeds counted, ${seeds} known`)
    expected.forEach((count, piece) => {
      if (count !== this.#counts[piece]) throw new Error(`piece ${piece} counted on ${this.#counts[piece]} peers, is on ${count}`)
    })
  }

  #subtract (bits: Uint8Array): void {
    bits.forEach((bit, piece) => {
      if (bit === 0) return
      this.#counts[piece]!--
      this.#onPieceChanged(piece)
    })
  }

  #inRange (piece: number): boolean {
    return Number.isInteger(piece) && piece >= 0 && piece < this.#pieceCount
  }
}
