/**
 * Decides which block to ask which peer for; pure, changed only through the `on*` calls. Never
 * requests a received or verified block, a piece the peer lacks, a priority-0 piece, or a block in
 * flight (endgame aside: at most `endgameDuplicates` requests per block, never two to one peer).
 * Deadline seam: `PieceRank` gains a `deadline` compared first in `compareRank` (rank.ts), fed by an
 * optional `PickerMediator.pieceDeadline(piece)`; `next` already walks pieces in that order.
 */
import { SwarmAvailability } from './availability.js'
import type { PieceProgress } from './piece-progress.js'
import { compareRank, type PieceRank } from './rank.js'
import { RankedOrder } from './ranked-order.js'
import { RequestLedger } from './request-ledger.js'
import type { BlockRequest, PickerInit, PickerMediator } from './types.js'

interface RankedProgress { progress: PieceProgress, key: PieceRank }

/** Rarest-first piece picker with strict completion of started pieces and endgame duplicates. */
export class PiecePicker {
  readonly #mediator: PickerMediator
  readonly #random: () => number
  readonly #maxDuplicates: number
  readonly #salts: Float64Array
  readonly #swarm: SwarmAvailability
  readonly #ledger = new RequestLedger()
  /** Pieces nobody has started, best first. */
  readonly #fresh: RankedOrder

  constructor (init: PickerInit) {
    const maxDuplicates = init.endgameDuplicates ?? 2
    if (!Number.isInteger(maxDuplicates) || maxDuplicates < 1) {
      throw new RangeError(`endgameDuplicates must be an integer of at least 1, got ${maxDuplicates}`)
    }
    this.#mediator = init.mediator
    this.#random = init.random
    this.#maxDuplicates = maxDuplicates
    const pieceCount = init.mediator.pieceCount
    this.#salts = Float64Array.from({ length: pieceCount }, () => this.#random())
    this.#swarm = new SwarmAvailability({
      pieceCount,
      onPieceChanged: piece => {
        this.#salts[piece] = this.#random()
        this.#fresh.touch(piece)
      },
      onEveryPieceChanged: () => this.#fresh.touchAll()
    })
    this.#fresh = new RankedOrder({
      pieceCount,
      rank: piece => this.#rank(piece),
      eligible: piece => this.#wanted(piece) && !this.#ledger.has(piece)
    })
  }

  /** The peer's full piece set; replaces whatever was known of it. */
  onPeerBitfield (peer: string, has: (piece: number) => boolean): void {
    this.#swarm.setBitfield(peer, has)
  }

  onPeerHaveAll (peer: string): void {
    this.#swarm.setHaveAll(peer)
  }

  /** Piece indexes outside the torrent are ignored: they come straight from the peer. */
  onGotHave (peer: string, piece: number): void {
    this.#swarm.addHave(peer, piece)
  }

  /** Forgets the peer's pieces and frees the blocks in flight to it. */
  onPeerGone (peer: string): void {
    for (const piece of this.#ledger.releasePeer(peer)) this.#fresh.touch(piece)
    this.#swarm.remove(peer)
  }

  peerHas (peer: string, piece: number): boolean {
    return this.#swarm.has(peer, piece)
  }

  /** Connected peers that have the piece. */
  availability (piece: number): number {
    return this.#swarm.of(piece)
  }

  /**
   * Up to `maxRequests` new requests for the peer, best first, recorded as in flight to it.
   * Started pieces come before new ones of the same priority; in endgame, blocks already in
   * flight to other peers are handed out again, least-requested first.
   */
  next (peer: string, maxRequests: number): BlockRequest[] {
    const picks: BlockRequest[] = []
    if (!(maxRequests > 0) || !this.#swarm.knows(peer)) return picks
    const full = (): boolean => picks.length >= maxRequests
    const started = this.#startedPiecesOf(peer)
    let s = 0
    // Merges the small list of started pieces into the cached order of new ones by rank.
    const takeStartedBefore = (key: PieceRank | undefined): void => {
      while (!full() && s < started.length && (key === undefined || compareRank(started[s]!.key, key) < 0)) {
        this.#takeUnrequested(peer, started[s++]!.progress, picks, maxRequests)
      }
    }
    this.#fresh.scan(piece => {
      if (s < started.length) takeStartedBefore(this.#rank(piece))
      if (!full() && this.#swarm.has(peer, piece)) this.#takeNew(peer, piece, picks, maxRequests)
      return full()
    })
    takeStartedBefore(undefined)
    if (!full() && this.isEndgame()) this.#takeDuplicates(peer, picks, maxRequests)
    return picks
  }

  /**
   * The block arrived from the peer (requested or not). Returns the other peers it was in
   * flight to, which the engine should send a cancel.
   */
  onGotBlock (peer: string, req: BlockRequest): string[] {
    const blockCount = this.#blockCountOf(req)
    if (blockCount === 0 || this.#mediator.clientHasPiece(req.piece)) return []
    return this.#ledger.receive(req.piece, req.block, blockCount).filter(other => other !== peer)
  }

  /** The request was rejected, timed out or lost to a choke: the block is requestable again. */
  onRequestFailed (peer: string, req: BlockRequest): void {
    if (this.#isPiece(req.piece) && this.#ledger.release(peer, req.piece, req.block)) this.#fresh.touch(req.piece)
  }

  /** The piece is verified and stored; requests still in flight for it are forgotten. */
  onPieceVerified (piece: number): void {
    if (!this.#isPiece(piece)) return
    this.#ledger.forget(piece)
    this.#fresh.touch(piece)
  }

  /** The piece failed its hash check (or a stored piece was lost): all its blocks are needed again. */
  onPieceFailed (piece: number): void {
    if (!this.#isPiece(piece)) return
    this.#ledger.reset(piece)
    this.#fresh.touch(piece)
  }

  /** `piecePriority` may answer differently for any piece. */
  onPriorityChanged (): void {
    this.#fresh.touchAll()
  }

  /** Blocks in flight to the peer. */
  inFlight (peer: string): BlockRequest[] {
    return this.#ledger.requestsOf(peer)
  }

  /** Every wanted missing block is received or in flight, and at least one is in flight. */
  isEndgame (): boolean {
    if (this.#fresh.first() !== undefined) return false
    let anyInFlight = false
    for (const progress of this.#ledger.pieces()) {
      if (!this.#wanted(progress.piece)) continue
      if (progress.unrequested > 0) return false
      if (progress.requested > 0) anyInFlight = true
    }
    return anyInFlight
  }

  /** Throws when internal state is inconsistent; for tests. */
  assertInvariants (): void {
    this.#swarm.assertInvariants()
    this.#ledger.assertInvariants(this.#maxDuplicates)
    this.#fresh.assertInvariants()
    for (const progress of this.#ledger.pieces()) {
      if (this.#mediator.clientHasPiece(progress.piece)) throw new Error(`piece ${progress.piece} is verified but still tracked as started`)
    }
    this.#salts.forEach((salt, piece) => {
      if (!(salt >= 0 && salt < 1)) throw new Error(`piece ${piece} has salt ${salt} outside [0, 1)`)
    })
  }

  #wanted (piece: number): boolean {
    return this.#mediator.piecePriority(piece) > 0 && !this.#mediator.clientHasPiece(piece)
  }

  #rank (piece: number): PieceRank {
    return {
      piece,
      priority: this.#mediator.piecePriority(piece),
      started: this.#ledger.has(piece),
      availability: this.#swarm.of(piece),
      salt: this.#salts[piece] ?? 0
    }
  }

  /** Started, wanted pieces the peer has, best first. */
  #startedPiecesOf (peer: string): RankedProgress[] {
    const ranked: RankedProgress[] = []
    for (const progress of this.#ledger.pieces()) {
      if (!this.#wanted(progress.piece) || !this.#swarm.has(peer, progress.piece)) continue
      ranked.push({ progress, key: this.#rank(progress.piece) })
    }
    return ranked.sort((a, b) => compareRank(a.key, b.key))
  }

  #takeNew (peer: string, piece: number, picks: BlockRequest[], max: number): void {
    const blockCount = this.#mediator.blockCount(piece)
    for (let block = 0; block < blockCount && picks.length < max; block++) {
      this.#ledger.request(peer, piece, block, blockCount)
      picks.push({ piece, block })
    }
  }

  #takeUnrequested (peer: string, progress: PieceProgress, picks: BlockRequest[], max: number): void {
    for (let block = 0; block < progress.blockCount && progress.unrequested > 0 && picks.length < max; block++) {
      if (progress.isReceived(block) || progress.requesters(block).length > 0) continue
      this.#ledger.request(peer, progress.piece, block, progress.blockCount)
      picks.push({ piece: progress.piece, block })
    }
  }

  /** Endgame: blocks in flight to fewer than the cap and not to this peer, least-requested first. */
  #takeDuplicates (peer: string, picks: BlockRequest[], max: number): void {
    const started = this.#startedPiecesOf(peer)
    for (let requests = 1; requests < this.#maxDuplicates; requests++) {
      for (const { progress } of started) {
        for (let block = 0; block < progress.blockCount; block++) {
          if (picks.length >= max) return
          const requesters = progress.requesters(block)
          if (requesters.length !== requests || requesters.includes(peer)) continue
          this.#ledger.request(peer, progress.piece, block, progress.blockCount)
          picks.push({ piece: progress.piece, block })
        }
      }
    }
  }

  #isPiece (piece: number): boolean {
    return Number.isInteger(piece) && piece >= 0 && piece < this.#mediator.pieceCount
  }

  /** The piece's block count when `req` names a real block, otherwise 0. */
  #blockCountOf (req: BlockRequest): number {
    const { piece, block } = req
    if (!this.#isPiece(piece)) return 0
    const blockCount = this.#ledger.get(piece)?.blockCount ?? this.#mediator.blockCount(piece)
    return Number.isInteger(block) && block >= 0 && block < blockCount ? blockCount : 0
  }
}
