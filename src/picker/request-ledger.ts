/**
 * The started pieces and the requests in flight, indexed both by piece and by peer, each request
 * with the stamp it was made under. Invariant: a piece is here exactly while it has a received
 * block or a request in flight, and peer P holds a stamp for (piece, block) exactly when P is
 * among that block's requesters.
 */
import { PieceProgress } from './piece-progress.js'
import type { BlockRequest } from './types.js'

/** The circumstances of one request, kept so lateness can be judged without asking the engine. */
export interface RequestStamp {
  /** `PickContext.now` when it was made; undefined when made without a context (never judged late). */
  readonly at: number | undefined
  /** Bytes queued to the peer ahead of this block when it was requested. */
  readonly ahead: number
  /** The piece had a deadline when this was requested: a seek that removes it makes the request stale. */
  readonly urgent: boolean
}

/** Started pieces and who has which of their blocks in flight, since when. */
export class RequestLedger {
  readonly #pieces = new Map<number, PieceProgress>()
  readonly #byPeer = new Map<string, Map<number, Map<number, RequestStamp>>>()

  get (piece: number): PieceProgress | undefined {
    return this.#pieces.get(piece)
  }

  has (piece: number): boolean {
    return this.#pieces.has(piece)
  }

  pieces (): IterableIterator<PieceProgress> {
    return this.#pieces.values()
  }

  /** True when the block is in flight to the peer. */
  isRequestedFrom (peer: string, piece: number, block: number): boolean {
    return this.stampOf(peer, piece, block) !== undefined
  }

  /** How the block in flight to the peer was requested; undefined when it is not in flight to it. */
  stampOf (peer: string, piece: number, block: number): RequestStamp | undefined {
    return this.#byPeer.get(peer)?.get(piece)?.get(block)
  }

  /** Records a request; the piece becomes started if it was not. */
  request (peer: string, piece: number, block: number, blockCount: number, stamp: RequestStamp): void {
    this.#progress(piece, blockCount).addRequest(block, peer)
    let ofPeer = this.#byPeer.get(peer)
    if (ofPeer === undefined) this.#byPeer.set(peer, ofPeer = new Map())
    let blocks = ofPeer.get(piece)
    if (blocks === undefined) ofPeer.set(piece, blocks = new Map())
    blocks.set(block, stamp)
  }

  /** Forgets one request. True when that left the piece idle, so it is no longer started. */
  release (peer: string, piece: number, block: number): boolean {
    const progress = this.#pieces.get(piece)
    if (progress === undefined || !progress.removeRequest(block, peer)) return false
    this.#unindex(peer, piece, block)
    return this.#forgetIfIdle(progress)
  }

  /** Marks the block received (even unrequested) and returns every peer it was in flight to. */
  receive (piece: number, block: number, blockCount: number): string[] {
    const peers = this.#progress(piece, blockCount).receive(block)
    for (const peer of peers) this.#unindex(peer, piece, block)
    return peers
  }

  /** Forgets all requests of the peer and returns the pieces that went idle. */
  releasePeer (peer: string): number[] {
    const idle: number[] = []
    for (const { piece, block } of this.requestsOf(peer)) {
      if (this.release(peer, piece, block)) idle.push(piece)
    }
    this.#byPeer.delete(peer)
    return idle
  }

  /** Drops the piece and any requests still in flight for it (it is verified). */
  forget (piece: number): void {
    const progress = this.#pieces.get(piece)
    if (progress === undefined) return
    for (let block = 0; block < progress.blockCount; block++) {
      for (const peer of progress.requesters(block)) this.#unindex(peer, piece, block)
    }
    this.#pieces.delete(piece)
  }

  /** Forgets the piece's received blocks (hash failure). True when that left it idle. */
  reset (piece: number): boolean {
    const progress = this.#pieces.get(piece)
    if (progress === undefined) return false
    progress.clearReceived()
    return this.#forgetIfIdle(progress)
  }

  /** The peer's requests in flight, in the order they were made (per piece). */
  requestsOf (peer: string): BlockRequest[] {
    const requests: BlockRequest[] = []
    for (const [piece, blocks] of this.#byPeer.get(peer) ?? []) {
      for (const block of blocks.keys()) requests.push({ piece, block })
    }
    return requests
  }

  assertInvariants (maxRequesters: number): void {
    for (const [piece, progress] of this.#pieces) {
      if (progress.piece !== piece) throw new Error(`piece ${piece} is filed under ${progress.piece}`)
      if (progress.idle) throw new Error(`piece ${piece} is kept as started with nothing received or in flight`)
      progress.assertInvariants(maxRequesters)
      for (let block = 0; block < progress.blockCount; block++) {
        for (const peer of progress.requesters(block)) {
          if (!this.isRequestedFrom(peer, piece, block)) throw new Error(`peer ${peer} is missing its request ${piece}.${block}`)
        }
      }
    }
    for (const [peer, ofPeer] of this.#byPeer) {
      for (const [piece, blocks] of ofPeer) {
        if (blocks.size === 0) throw new Error(`peer ${peer} keeps an empty entry for piece ${piece}`)
        for (const [block, stamp] of blocks) {
          if (!(this.#pieces.get(piece)?.requesters(block).includes(peer) ?? false)) {
            throw new Error(`peer ${peer} lists ${piece}.${block}, which is not in flight to it`)
          }
          if (stamp.at !== undefined && !Number.isFinite(stamp.at)) throw new Error(`request ${piece}.${block} to ${peer} is stamped at ${stamp.at}`)
          if (!(stamp.ahead >= 0 && Number.isFinite(stamp.ahead))) throw new Error(`request ${piece}.${block} to ${peer} has ${stamp.ahead} bytes ahead`)
        }
      }
    }
  }

  #progress (piece: number, blockCount: number): PieceProgress {
    let progress = this.#pieces.get(piece)
    if (progress === undefined) this.#pieces.set(piece, progress = new PieceProgress(piece, blockCount))
    return progress
  }

  #forgetIfIdle (progress: PieceProgress): boolean {
    if (!progress.idle) return false
    this.#pieces.delete(progress.piece)
    return true
  }

  #unindex (peer: string, piece: number, block: number): void {
    const ofPeer = this.#byPeer.get(peer)
    const blocks = ofPeer?.get(piece)
    if (ofPeer === undefined || blocks === undefined) return
    blocks.delete(block)
    if (blocks.size === 0) ofPeer.delete(piece)
    if (ofPeer.size === 0) this.#byPeer.delete(peer)
  }
}
