/**
 * Who should fetch a block that has a deadline, judged from one moment's snapshots: the asking
 * source's ETA against its rivals'. ETA = now + (queuedBytes + bytes) / rate. A peer not yet
 * measured (rate 0) is assumed to run at the mean rate of the measured peers: new peers then
 * share urgent blocks from their first request instead of filling up with background work
 * while one measured peer carries the whole stream. A peer whose rate is still a lower bound
 * (its first second) is assumed at least that fast: read as it is, a seeder that had sent a
 * few blocks looked ten times slower than it was, refused every piece due sooner than its ETA,
 * and took one block of each later piece as its rate grew, blocks its next burst then carried
 * instead of the opening's. With nothing measured, or for a web seed, an unknown rate never
 * meets a deadline. A late block is also taken by a source that delivers it no later than the
 * regular peers together would reach it: its share of the backlog. Pure arithmetic; one race
 * serves one `next` call.
 */
import type { RequestStamp } from './request-ledger.js'
import { BLOCK_BYTES, type PeerSnapshot, type PickContext } from './types.js'

/** A rival must finish this many times sooner before a source that misses the deadline is passed over. */
export const CLEARLY_SOONER = 1.5

/** When the source would have delivered `bytes` more after what is queued to it; Infinity at an unknown rate. */
export function finishTime (source: PeerSnapshot, bytes: number, now: number): number {
  return source.rate > 0 ? now + (source.queuedBytes + bytes) * 1000 / source.rate : Infinity
}

/** One copy of a block in flight: who has it and how it was requested. */
export interface InFlightCopy {
  readonly peer: string
  readonly stamp: RequestStamp | undefined
}

/** The asking source and where to find its rivals. */
export interface DeadlineRaceInit {
  peer: string
  context: PickContext
  /** Every source that may have pieces: peers heard from and web seeds seen. */
  sources: () => Iterable<string>
  has: (source: string, piece: number) => boolean
  /**
   * Bytes missing from the deadline pieces up to and including `piece`, earliest deadline first
   * (swarm-backlog.ts); undefined when the piece has no deadline or nothing missing.
   */
  backlogDepth: (piece: number) => number | undefined
}

interface Rival {
  readonly id: string
  /** When it would deliver one more block. */
  readonly finish: number
  /** Bytes per second, assumed for a peer not measured yet; 0 when unknown. */
  readonly rate: number
  readonly webSeed: boolean
}

// A source the engine cannot describe is treated as new: unknown rate, nothing queued.
const UNKNOWN: PeerSnapshot = { rate: 0, queuedBytes: 0, snubbed: false }

/** Decides, block by block, whether the asking source should fetch blocks with deadlines. */
export class DeadlineRace {
  readonly now: number
  readonly #init: DeadlineRaceInit
  readonly #self: PeerSnapshot
  readonly #snapshots = new Map<string, PeerSnapshot | undefined>()
  /** Other usable sources, soonest first; read on first need. */
  #rivals: Rival[] | undefined
  /** Mean rate of the measured regular peers, for those not measured yet; read on first need. */
  #typicalRate: number | undefined

  constructor (init: DeadlineRaceInit) {
    this.#init = init
    this.now = init.context.now
    this.#self = this.#snapshot(init.peer) ?? UNKNOWN
  }

  get webSeed (): boolean {
    return this.#self.webSeed === true
  }

  /**
   * Bytes per second of the other regular (not web seed, not snubbed) sources together, peers
   * not measured yet counted at the typical rate; with nothing measured, 0.
   */
  get regularRate (): number {
    let rate = 0
    for (const rival of this.#rivalList()) if (!rival.webSeed && rival.rate > 0) rate += rival.rate
    return rate
  }

  /** Bytes queued to the asking source ahead of its next request, after `picked` picks this call. */
  ahead (picked: number): number {
    return this.#self.queuedBytes + picked * BLOCK_BYTES
  }

  /**
   * May the asking source take a block of the piece that nobody has in flight? Never when snubbed;
   * a web seed only when no regular peer can meet the deadline; and nobody who misses the
   * deadline while a regular peer that has the piece would finish clearly sooner. Web seeds never
   * keep a peer from a block: they may not ask, and they take over late blocks anyway. A piece
   * the regular peers together cannot reach in time (`swarmLate`, swarm-backlog.ts) is a web
   * seed's whatever its own ETA: every byte it delivers shortens the peers' backlog.
   */
  mayTake (piece: number, deadline: number, picked: number, swarmLate = false): boolean {
    if (this.#self.snubbed) return false
    if (this.webSeed && swarmLate) return true
    if (this.webSeed && this.#regularMeets(piece, deadline, [])) return false
    const mine = this.#mine(picked)
    if (mine <= deadline) return true
    if (!this.webSeed && mine <= this.#swarmReaches(piece)) return true
    const best = this.#rivalList().find(rival => !rival.webSeed && this.#init.has(rival.id, piece))
    return best === undefined || !this.#clearlySooner(best.finish, mine)
  }

  /**
   * May the asking source take one more copy of a block in flight? Only when every copy is late
   * for the deadline and this source meets it (or, once nobody can, is clearly sooner than the
   * copies); a web seed only when no regular peer without a copy can meet it.
   */
  mayDuplicate (piece: number, deadline: number, copies: readonly InFlightCopy[], picked: number): boolean {
    if (this.#self.snubbed) return false
    // A block already due (an opening or a seek) whose copy is overdue: a rate-limited peer that
    // sends in bursts may hold it until its next burst, so a free peer should not wait for it.
    const overdueCounts = !this.webSeed && deadline <= this.now
    const arrival = Math.min(...copies.map(copy => this.arrival(copy, overdueCounts)))
    if (arrival <= deadline) return false
    const mine = this.#mine(picked)
    if (!(mine <= deadline || this.#clearlySooner(mine, arrival))) return false
    return !this.webSeed || !this.#regularMeets(piece, deadline, copies.map(copy => copy.peer))
  }

  /**
   * When a copy in flight is expected: `ahead` plus one block after it was requested, at its
   * source's current (or assumed) rate. Once that time has passed: one block-time from now at
   * best, or, when `overdueCounts`, as far from now as it is overdue already (at least one
   * block-time).
   * Copies requested without a context count as on time; a gone, snubbed or unmeasured source as never.
   */
  arrival (copy: InFlightCopy, overdueCounts = false): number {
    const stamp = copy.stamp
    if (stamp?.at === undefined) return -Infinity
    const source = this.#snapshot(copy.peer)
    if (source === undefined || source.snubbed || !(source.rate > 0)) return Infinity
    const projected = stamp.at + (stamp.ahead + BLOCK_BYTES) * 1000 / source.rate
    if (projected >= this.now) return projected
    const blockTime = BLOCK_BYTES * 1000 / source.rate
    return this.now + (overdueCounts ? Math.max(this.now - projected, blockTime) : blockTime)
  }

  /**
   * When the regular peers together, this one included, would have received the piece and every
   * deadline piece before it, at the sum of their rates. A late block this source delivers by then
   * is its share of a backlog they all drain at once (a stream's opening or a seek, all due now):
   * without this, every peer but the one with the shortest queue would be refused, fill up with
   * background work, and the urgent bytes would trickle in one block per delivery.
   */
  #swarmReaches (piece: number): number {
    const depth = this.#init.backlogDepth(piece)
    const rate = this.#self.rate + this.regularRate
    return depth !== undefined && rate > 0 ? this.now + depth * 1000 / rate : -Infinity
  }

  /** When the asking source would deliver a block requested after `picked` others this call. */
  #mine (picked: number): number {
    return finishTime(this.#self, (picked + 1) * BLOCK_BYTES, this.now)
  }

  /** `a` is clearly sooner than `b`, both measured from now. */
  #clearlySooner (a: number, b: number): boolean {
    return (a - this.now) * CLEARLY_SOONER < b - this.now
  }

  /** Some regular peer with the piece, not among `except`, would deliver a block by the deadline. */
  #regularMeets (piece: number, deadline: number, except: readonly string[]): boolean {
    for (const rival of this.#rivalList()) {
      if (rival.finish > deadline) return false
      if (!rival.webSeed && !except.includes(rival.id) && this.#init.has(rival.id, piece)) return true
    }
    return false
  }

  #rivalList (): Rival[] {
    if (this.#rivals !== undefined) return this.#rivals
    const rivals: Rival[] = []
    for (const id of this.#init.sources()) {
      const source = id === this.#init.peer ? undefined : this.#snapshot(id)
      if (source === undefined || source.snubbed) continue
      rivals.push({ id, finish: finishTime(source, BLOCK_BYTES, this.now), rate: source.rate, webSeed: source.webSeed === true })
    }
    // Infinity - Infinity is NaN, so compare rather than subtract.
    this.#rivals = rivals.sort((a, b) => a.finish < b.finish ? -1 : a.finish > b.finish ? 1 : 0)
    return rivals
  }

  #snapshot (id: string): PeerSnapshot | undefined {
    if (!this.#snapshots.has(id)) {
      const measured = this.#init.context.peer(id)
      const assumed = measured !== undefined && measured.webSeed !== true && (measured.rate === 0 || measured.rateIsLowerBound === true)
        ? { ...measured, rate: Math.max(measured.rate, this.#typical()) }
        : measured
      this.#snapshots.set(id, assumed)
    }
    return this.#snapshots.get(id)
  }

  /**
   * Mean rate of the regular peers measured over a full span. When every rate is still a lower
   * bound (a swarm's first second), the highest of them: peers alike run at least that fast.
   */
  #typical (): number {
    if (this.#typicalRate !== undefined) return this.#typicalRate
    let sum = 0
    let count = 0
    let highestLowerBound = 0
    for (const id of this.#init.sources()) {
      const source = this.#init.context.peer(id)
      if (source === undefined || source.webSeed === true || source.snubbed || !(source.rate > 0)) continue
      if (source.rateIsLowerBound === true) {
        highestLowerBound = Math.max(highestLowerBound, source.rate)
      } else {
        sum += source.rate
        count++
      }
    }
    this.#typicalRate = count > 0 ? sum / count : highestLowerBound
    return this.#typicalRate
  }
}
