/**
 * Cached ranking of the pieces nobody has started, so `next` never sorts the whole torrent.
 * Invariant: the live part of the array is sorted by the keys snapshotted when each piece was
 * placed; a piece whose key may have moved is marked dirty and re-placed before the next scan.
 */
import { compareRank, type PieceRank } from './rank.js'

/** What a {@link RankedOrder} reads about pieces. */
export interface RankedOrderInit {
  pieceCount: number
  /** The piece's current key. */
  rank: (piece: number) => PieceRank
  /** Wanted, missing and not started: the pieces this order holds. */
  eligible: (piece: number) => boolean
}

// Past this many dirty pieces one sort is cheaper than that many binary-search re-placements
// (each a pair of splices, which are cheap memory moves next to a sort's comparisons).
const REBUILD_AFTER = 32
const REBUILD_AFTER_SHARE = 1 / 64

/** Not-started pieces, best first, re-placed lazily as their keys change. */
export class RankedOrder {
  readonly #pieceCount: number
  readonly #rebuildAfter: number
  readonly #rank: (piece: number) => PieceRank
  readonly #eligible: (piece: number) => boolean
  /** Pieces in rank order from #head; entries before #head are garbage left by scans. */
  #order: number[] = []
  #head = 0
  /** Snapshot key of each piece in the order, undefined for pieces not in it. */
  #keys: Array<PieceRank | undefined>
  readonly #dirty = new Set<number>()
  #dirtyAll = true

  constructor (init: RankedOrderInit) {
    this.#pieceCount = init.pieceCount
    this.#rebuildAfter = Math.max(REBUILD_AFTER, Math.floor(init.pieceCount * REBUILD_AFTER_SHARE))
    this.#rank = init.rank
    this.#eligible = init.eligible
    this.#keys = new Array<PieceRank | undefined>(init.pieceCount)
  }

  /** The piece's key or eligibility may have changed. */
  touch (piece: number): void {
    if (this.#dirtyAll) return
    this.#dirty.add(piece)
    if (this.#dirty.size > this.#rebuildAfter) this.touchAll()
  }

  /** Keys may have changed anywhere (priorities, or a peer with every piece came or went). */
  touchAll (): void {
    this.#dirtyAll = true
    this.#dirty.clear()
  }

  /**
   * Calls `visit` with eligible pieces, best first, until it returns true. Pieces that stopped
   * being eligible (started, verified) are dropped on the way, so each is skipped at most once.
   */
  scan (visit: (piece: number) => boolean): void {
    this.#refresh()
    let end = this.#head
    let stale = 0
    while (end < this.#order.length) {
      const piece = this.#order[end++]!
      if (!this.#eligible(piece)) {
        this.#keys[piece] = undefined
        stale++
        continue
      }
      if (visit(piece)) break
    }
    if (stale > 0) this.#compact(end)
  }

  /** The best eligible piece, if any. */
  first (): number | undefined {
    let found: number | undefined
    this.scan(piece => { found = piece; return true })
    return found
  }

  assertInvariants (): void {
    const live = this.#order.slice(this.#head)
    for (let i = 1; i < live.length; i++) {
      const a = this.#keys[live[i - 1]!]
      const b = this.#keys[live[i]!]
      if (a === undefined || b === undefined) throw new Error(`piece ${live[i - 1]} or ${live[i]} is in the order without a key`)
      if (compareRank(a, b) >= 0) throw new Error(`order puts piece ${a.piece} before ${b.piece} against their keys`)
    }
    const members = new Set(live)
    if (members.size !== live.length) throw new Error('a piece is in the order twice')
    for (let piece = 0; piece < this.#pieceCount; piece++) {
      const key = this.#keys[piece]
      if ((key !== undefined) !== members.has(piece)) throw new Error(`piece ${piece} has a key but is not in the order, or the reverse`)
      if (this.#dirtyAll || this.#dirty.has(piece) || !this.#eligible(piece)) continue
      if (key === undefined) throw new Error(`piece ${piece} is eligible but neither ordered nor dirty`)
      if (compareRank(key, this.#rank(piece)) !== 0) throw new Error(`piece ${piece} changed rank without being marked dirty`)
    }
  }

  #refresh (): void {
    if (this.#dirtyAll) {
      this.#rebuild()
    } else {
      for (const piece of this.#dirty) this.#replace(piece)
    }
    this.#dirty.clear()
    this.#dirtyAll = false
  }

  #rebuild (): void {
    const keys = new Array<PieceRank | undefined>(this.#pieceCount)
    const order: number[] = []
    for (let piece = 0; piece < this.#pieceCount; piece++) {
      if (!this.#eligible(piece)) continue
      keys[piece] = this.#rank(piece)
      order.push(piece)
    }
    order.sort((a, b) => compareRank(keys[a]!, keys[b]!))
    this.#keys = keys
    this.#order = order
    this.#head = 0
  }

  #replace (piece: number): void {
    const old = this.#keys[piece]
    if (old !== undefined) {
      this.#order.splice(this.#lowerBound(old), 1)
      this.#keys[piece] = undefined
    }
    if (!this.#eligible(piece)) return
    const key = this.#rank(piece)
    this.#order.splice(this.#lowerBound(key), 0, piece)
    this.#keys[piece] = key
  }

  /** First live index whose key does not rank before `key`. */
  #lowerBound (key: PieceRank): number {
    let lo = this.#head
    let hi = this.#order.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareRank(this.#keys[this.#order[mid]!]!, key) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Squeezes the survivors of [#head, end) against `end`, keeping their order, and moves #head up. */
  #compact (end: number): void {
    let write = end
    for (let read = end - 1; read >= this.#head; read--) {
      const piece = this.#order[read]!
      if (this.#keys[piece] !== undefined) this.#order[--write] = piece
    }
    this.#head = write
    // Drop the garbage prefix once it outweighs the live part, so the array cannot grow unbounded.
    if (this.#head > this.#order.length >>> 1) {
      this.#order = this.#order.slice(this.#head)
      this.#head = 0
    }
  }
}
