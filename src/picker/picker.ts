/**
 * Decides which block to ask which source for; pure, changed only through the `on*` calls. Never
 * requests a received or verified block, a piece the source lacks, an unwanted piece, or a block
 * in flight, except as a duplicate (endgame, or a block late for its deadline): at most
 * `endgameDuplicates` requests per block, never two to one source. Given a `PickContext`, blocks
 * with deadlines go to the sources expected to deliver them in time (deadline-race.ts).
 */
import { SwarmAvailability } from './availability.js'
import { DeadlineRace } from './deadline-race.js'
import { PieceDeadlines } from './piece-deadlines.js'
import type { PieceProgress } from './piece-progress.js'
import { compareRank, type PieceRank } from './rank.js'
import { RankedOrder } from './ranked-order.js'
import { RequestLedger } from './request-ledger.js'
import { backgroundToYield } from './preemption.js'
import { backlogDepths, webSeedWork } from './swarm-backlog.js'
import { BLOCK_BYTES, DEFAULT_PRIORITY, type BlockRequest, type PickContext, type PickerInit, type PickerMediator, type StaleRequest } from './types.js'

interface RankedProgress { progress: PieceProgress, key: PieceRank }

/**
 * Piece picker: earliest deadline first, then priority, strict completion of started pieces,
 * rarest first; endgame duplicates; with a context, ETA-based placement of urgent blocks,
 * duplicates of late blocks, and web seeds as a fallback for deadlines the peers miss.
 */
export class PiecePicker {
  readonly #mediator: PickerMediator
  readonly #random: () => number
  readonly #maxDuplicates: number
  readonly #salts: Float64Array
  readonly #deadlines: PieceDeadlines
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
    this.#deadlines = new PieceDeadlines(init.mediator)
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

  /** Forgets the source's pieces and frees the blocks in flight to it. */
  onPeerGone (peer: string): void {
    for (const piece of this.#ledger.releasePeer(peer)) this.#fresh.touch(piece)
    this.#swarm.remove(peer)
  }

  /** True for a peer that announced the piece and for a web seed. */
  peerHas (peer: string, piece: number): boolean {
    return this.#swarm.has(peer, piece)
  }

  /** Connected peers that have the piece (web seeds not counted). */
  availability (piece: number): number {
    return this.#swarm.of(piece)
  }

  /**
   * Up to `maxRequests` new requests for the source, best first, recorded as in flight to it.
   * Pieces rank by deadline, priority, started, rarity; in endgame, blocks already in flight to
   * others are handed out again, least-requested first. Without `context` nothing is judged by
   * time: deadlines only order pieces. With it, a block with a deadline goes to this source only
   * when no rival would clearly deliver it sooner, late blocks are duplicated to sources that can
   * still make the deadline, snubbed sources get no block with a deadline, and a web seed gets
   * only blocks whose deadline no regular peer can meet, then those of pieces the peers the
   * picker knows cannot reach in time together, at the sum of their rates (swarm-backlog.ts).
   */
  next (peer: string, maxRequests: number, context?: PickContext): BlockRequest[] {
    const picks: BlockRequest[] = []
    const swarm = this.#swarm
    let depths: Map<number, number> | undefined
    const race = context === undefined
      ? undefined
      : new DeadlineRace({
        peer,
        context,
        sources: () => swarm.peers(),
        has: (source, piece) => swarm.has(source, piece),
        backlogDepth: piece => (depths ??= this.#backlogDepths()).get(piece)
      })
    // A web seed needs no bitfield: the picker learns of it when it first asks.
    if (race !== undefined) swarm.setWebSeed(peer, race.webSeed)
    if (!(maxRequests > 0) || !swarm.knows(peer)) return picks
    const urgentOnly = race?.webSeed === true
    // Refused a block that is due already (a rival gets it): this source takes no work without
    // a deadline either. Its queue stays short, so the blocks due now that are left (rivals
    // refuse some too, or turn out slower than their rates promised) find it free, rather than
    // behind background work a rate-limited peer would spend its next burst on.
    let heldForDue = false
    const undated = (piece: number): boolean => this.#deadlines.of(piece) === Infinity
    // Copies of blocks already due wait until this source has taken the blocks nobody asked for
    // of every piece due (an opening or a seek spans several pieces): a block in flight has a
    // chance already, one nobody asked for has none. Taken piece by piece, the copies of the
    // first piece filled the pipelines while the next piece waited for refills.
    const dueStarted: PieceProgress[] = []
    const takeCopiesOfDue = (): void => {
      for (const progress of dueStarted.splice(0)) this.#takeCopies(peer, progress, picks, maxRequests, race)
    }
    const take = (piece: PieceProgress | number): void => {
      const index = typeof piece === 'number' ? piece : piece.piece
      const due = race !== undefined && this.#deadlines.of(index) <= race.now
      if (!due) takeCopiesOfDue()
      if (this.#takeBlocks(peer, piece, picks, maxRequests, race)) heldForDue = true
      // A piece this call started holds only this source's requests: nothing to copy.
      if (typeof piece === 'number') return
      if (due) dueStarted.push(piece)
      else this.#takeCopies(peer, piece, picks, maxRequests, race)
    }
    const full = (): boolean => picks.length >= maxRequests
    const started = this.#startedPiecesOf(peer)
    let s = 0
    // Merges the small list of started pieces into the cached order of new ones by rank.
    const takeStartedBefore = (key: PieceRank | undefined): void => {
      while (!full() && s < started.length && (key === undefined || compareRank(started[s]!.key, key) < 0)) {
        const progress = started[s++]!.progress
        if (!(heldForDue && undated(progress.piece))) take(progress)
      }
    }
    this.#fresh.scan(piece => {
      if (s < started.length) takeStartedBefore(this.#rank(piece))
      // Pieces with deadlines come first: past them a web seed has nothing left to do.
      if ((urgentOnly || heldForDue) && undated(piece)) return true
      if (!full() && this.#swarm.has(peer, piece)) take(piece)
      return full()
    })
    takeStartedBefore(undefined)
    takeCopiesOfDue()
    if (!full() && urgentOnly && race !== undefined) this.#takeAtRisk(peer, picks, maxRequests, race)
    if (!full() && !urgentOnly && this.isEndgame()) this.#takeDuplicates(peer, picks, maxRequests, race)
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

  /**
   * `pieceDeadline` may answer differently for any piece (a reader opened, moved or seeked).
   * Requests made while their piece had a deadline that is now gone are forgotten and returned,
   * in piece and block order, for the engine to cancel, so bandwidth moves to the new deadlines
   * at once; pieces with three quarters of their blocks received (`NEARLY_DONE`) keep theirs.
   * `now` is the engine's clock at the change; this rule does not depend on it.
   */
  onDeadlinesChanged (now: number): StaleRequest[] {
    void now
    this.#deadlines.refresh(piece => this.#fresh.touch(piece))
    // Pieces raised above the default priority (a title's opening fetched ahead) are wanted
    // soon whoever reads them: their requests stay.
    const stale = this.#deadlines.staleRequests(this.#ledger, piece => this.#mediator.piecePriority(piece) > DEFAULT_PRIORITY)
    for (const { peer, req } of stale) {
      if (this.#ledger.release(peer, req.piece, req.block)) this.#fresh.touch(req.piece)
    }
    return stale
  }

  /**
   * Withdraws background requests from the peer's pipeline when urgent blocks it could serve,
   * due within `withinMs` of `now`, have not been requested yet (a reader opened a file or
   * seeked). The engine cancels what this returns, then fills the pipeline again.
   */
  yieldToUrgent (peer: string, now: number, withinMs: number): BlockRequest[] {
    const yielded = backgroundToYield({
      peer,
      dueBy: now + withinMs,
      deadlines: this.#deadlines,
      ledger: this.#ledger,
      peerHas: piece => this.#swarm.has(peer, piece),
      missing: piece => this.#wanted(piece),
      blockCount: piece => this.#mediator.blockCount(piece)
    })
    for (const req of yielded) {
      if (this.#ledger.release(peer, req.piece, req.block)) this.#fresh.touch(req.piece)
    }
    return yielded
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
    this.#deadlines.assertInvariants()
    this.#fresh.assertInvariants()
    for (const progress of this.#ledger.pieces()) {
      if (this.#mediator.clientHasPiece(progress.piece)) throw new Error(`piece ${progress.piece} is verified but still tracked as started`)
    }
    this.#salts.forEach((salt, piece) => {
      if (!(salt >= 0 && salt < 1)) throw new Error(`piece ${piece} has salt ${salt} outside [0, 1)`)
    })
  }

  #wanted (piece: number): boolean {
    if (this.#mediator.clientHasPiece(piece)) return false
    return this.#mediator.piecePriority(piece) > 0 || this.#deadlines.of(piece) !== Infinity
  }

  /** Bytes missing up to each deadline piece, earliest first; blocks in flight count as missing. */
  #backlogDepths (): Map<number, number> {
    return new Map(backlogDepths(this.#deadlines.earliestFirst(), piece => this.#wanted(piece)
      ? (this.#mediator.blockCount(piece) - (this.#ledger.get(piece)?.received ?? 0)) * BLOCK_BYTES
      : 0))
  }

  #rank (piece: number): PieceRank {
    return {
      piece,
      deadline: this.#deadlines.of(piece),
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

  /**
   * Blocks of one piece (started, or a new one by index) that nobody has in flight, in block
   * order. True when the race refused this source a block that is due already.
   */
  #takeBlocks (peer: string, piece: PieceProgress | number, picks: BlockRequest[], max: number, race: DeadlineRace | undefined, swarmLate = false): boolean {
    const progress = typeof piece === 'number' ? undefined : piece
    const index = progress?.piece ?? piece as number
    const deadline = this.#deadlines.of(index)
    const judged = race !== undefined && deadline !== Infinity
    if (race?.webSeed === true && !judged) return false
    const blockCount = progress?.blockCount ?? this.#mediator.blockCount(index)
    let mayTake = true
    if (progress === undefined || progress.unrequested > 0) {
      for (let block = 0; block < blockCount && picks.length < max && mayTake; block++) {
        if (progress !== undefined && (progress.isReceived(block) || progress.requesters(block).length > 0)) continue
        // A refusal stands for the rest of the piece: this source's ETA only grows with each pick.
        mayTake = !judged || race.mayTake(index, deadline, picks.length, swarmLate)
        if (mayTake) this.#request(peer, index, block, blockCount, deadline, picks, race)
      }
    }
    return !mayTake && deadline <= (race?.now ?? -Infinity)
  }

  /**
   * Blocks in flight of a started piece whose deadline a race judges, late enough for this source
   * to duplicate. They come after the piece's blocks nobody has asked for (`#takeBlocks`): a
   * block in flight has a chance already, one nobody asked for has none.
   */
  #takeCopies (peer: string, progress: PieceProgress, picks: BlockRequest[], max: number, race: DeadlineRace | undefined): void {
    const index = progress.piece
    const deadline = this.#deadlines.of(index)
    if (race === undefined || deadline === Infinity) return
    for (let block = 0; block < progress.blockCount && picks.length < max; block++) {
      const holders = progress.requesters(block)
      if (progress.isReceived(block) || holders.length === 0 || holders.length >= this.#maxDuplicates || holders.includes(peer)) continue
      const copies = holders.map(holder => ({ peer: holder, stamp: this.#ledger.stampOf(holder, index, block) }))
      if (race.mayDuplicate(index, deadline, copies, picks.length)) this.#request(peer, index, block, progress.blockCount, deadline, picks, race)
    }
  }

  /** Web seed: blocks of the deadline pieces the regular peers together cannot finish in time. */
  #takeAtRisk (peer: string, picks: BlockRequest[], max: number, race: DeadlineRace): void {
    const init = { now: race.now, rate: race.regularRate, deadlines: this.#deadlines, ledger: this.#ledger, mediator: this.#mediator }
    for (const piece of webSeedWork({ ...init, isWebSeed: source => this.#swarm.isWebSeed(source) })) {
      if (picks.length >= max) return
      const started = this.#ledger.get(piece)
      this.#takeBlocks(peer, started ?? piece, picks, max, race, true)
      if (started !== undefined) this.#takeCopies(peer, started, picks, max, race)
    }
  }

  /** Endgame: blocks in flight to fewer than the cap and not to this peer, least-requested first. */
  #takeDuplicates (peer: string, picks: BlockRequest[], max: number, race: DeadlineRace | undefined): void {
    const started = this.#startedPiecesOf(peer)
    for (let requests = 1; requests < this.#maxDuplicates; requests++) {
      for (const { progress, key } of started) {
        for (let block = 0; block < progress.blockCount; block++) {
          if (picks.length >= max) return
          const requesters = progress.requesters(block)
          if (requesters.length !== requests || requesters.includes(peer)) continue
          this.#request(peer, progress.piece, block, progress.blockCount, key.deadline, picks, race)
        }
      }
    }
  }

  #request (peer: string, piece: number, block: number, blockCount: number, deadline: number, picks: BlockRequest[], race: DeadlineRace | undefined): void {
    this.#ledger.request(peer, piece, block, blockCount, {
      at: race?.now,
      ahead: race?.ahead(picks.length) ?? 0,
      urgent: deadline !== Infinity
    })
    picks.push({ piece, block })
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
