/**
 * The cached order must pick exactly what sorting every piece from scratch would. A naive model
 * replays random events next to the picker, deadline changes (seeks) included; salts are constant
 * so ties fall to the piece index. Picks are made without a context, so time plays no part.
 */
import t from 'tap'
import { byBlock, DEADLINE_STEP, seededRandom, setup, type Harness } from './setup.js'

const PIECES = 12
const PEERS = ['a', 'b', 'c', 'd', 'e']
const CAP = 2

/** The picker's rules written the slow, obvious way. */
class Model {
  readonly peers = new Map<string, Set<number> | 'all'>()
  readonly received = new Set<string>()
  /** Block name to the peers it is in flight to, in request order. */
  readonly inFlight = new Map<string, string[]>()
  /** 'peer block' for requests made while their piece had a deadline. */
  readonly urgent = new Set<string>()

  constructor (readonly h: Harness) {}

  has (peer: string, piece: number): boolean {
    const known = this.peers.get(peer)
    return known === 'all' || (known?.has(piece) ?? false)
  }

  availability (piece: number): number {
    return [...this.peers.keys()].filter(peer => this.has(peer, piece)).length
  }

  deadline (piece: number): number {
    return this.h.mediator.pieceDeadline(piece) ?? Infinity
  }

  wanted (piece: number): boolean {
    const wanted = this.h.mediator.piecePriority(piece) > 0 || this.deadline(piece) !== Infinity
    return wanted && !this.h.mediator.clientHasPiece(piece)
  }

  blocks (piece: number): string[] {
    return Array.from({ length: this.h.mediator.blockCount(piece) }, (_, b) => `${piece}.${b}`)
  }

  started (piece: number): boolean {
    return this.blocks(piece).some(b => this.received.has(b) || this.inFlight.has(b))
  }

  ranked (peer: string): number[] {
    const key = (p: number): number[] => [this.deadline(p), -this.h.mediator.piecePriority(p), this.started(p) ? 0 : 1, this.availability(p), p]
    const pieces = Array.from({ length: PIECES }, (_, p) => p).filter(p => this.wanted(p) && this.has(peer, p))
    return pieces.sort((x, y) => {
      const [kx, ky] = [key(x), key(y)]
      const i = kx.findIndex((v, j) => v !== ky[j])
      return i < 0 ? 0 : kx[i]! - ky[i]!
    })
  }

  endgame (): boolean {
    const missing = Array.from({ length: PIECES }, (_, p) => p).filter(p => this.wanted(p))
      .flatMap(p => this.blocks(p)).filter(b => !this.received.has(b))
    return missing.length > 0 && missing.every(b => this.inFlight.has(b))
  }

  next (peer: string, max: number): string[] {
    const picks: string[] = []
    for (const p of this.ranked(peer)) {
      for (const b of this.blocks(p)) {
        if (picks.length < max && !this.received.has(b) && !this.inFlight.has(b)) picks.push(b)
      }
    }
    for (const b of picks) this.inFlight.set(b, [peer])
    if (picks.length < max && this.endgame()) {
      for (let level = 1; level < CAP; level++) {
        for (const p of this.ranked(peer)) {
          for (const b of this.blocks(p)) {
            const peers = this.inFlight.get(b) ?? []
            if (picks.length >= max || peers.length !== level || peers.includes(peer)) continue
            peers.push(peer)
            picks.push(b)
          }
        }
      }
    }
    for (const b of picks) {
      if (this.deadline(Number(b.split('.')[0])) === Infinity) this.urgent.delete(`${peer} ${b}`)
      else this.urgent.add(`${peer} ${b}`)
    }
    return picks
  }

  /** Requests made for a deadline that is gone, in pieces with under 3/4 of their blocks received and no raised priority. */
  seek (): string[] {
    const stale: Array<{ peer: string, block: string }> = []
    for (const [block, peers] of this.inFlight) {
      const piece = Number(block.split('.')[0])
      const received = this.blocks(piece).filter(b => this.received.has(b)).length
      if (this.deadline(piece) !== Infinity || received >= 0.75 * this.blocks(piece).length || (this.h.mediator.priorities[piece] ?? 0) > 1) continue
      for (const peer of peers) if (this.urgent.has(`${peer} ${block}`)) stale.push({ peer, block })
    }
    for (const { peer, block } of stale) this.release(peer, block)
    return stale.sort((x, y) => byBlock(x.block, y.block)).map(({ peer, block }) => `${peer} ${block}`)
  }

  got (peer: string, block: string): string[] {
    const piece = Number(block.split('.')[0])
    if (this.h.mediator.clientHasPiece(piece)) return []
    const others = (this.inFlight.get(block) ?? []).filter(p => p !== peer)
    this.inFlight.delete(block)
    this.received.add(block)
    return others
  }

  release (peer: string, block: string): void {
    const peers = (this.inFlight.get(block) ?? []).filter(p => p !== peer)
    if (peers.length > 0) this.inFlight.set(block, peers)
    else this.inFlight.delete(block)
  }

  inFlightOf (peer: string): string[] {
    return [...this.inFlight].filter(([, peers]) => peers.includes(peer)).map(([b]) => b)
  }
}

t.test('picks exactly what a full sort of every piece would, through random events', async t => {
  const seen = { endgame: 0, duplicates: 0, cancels: 0, stale: 0 }
  for (let seed = 0; seed < 40; seed++) {
    const rng = seededRandom(seed)
    const int = (n: number): number => Math.floor(rng() * n)
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
    const blocks = Array.from({ length: PIECES }, () => String(1 + int(3))).join('')
    const deadlines = (): string => Array.from({ length: PIECES }, () => rng() < 0.7 ? '.' : String(int(10))).join('')
    const h = setup({ have: '0'.repeat(PIECES), blocks, deadline: deadlines(), random: () => 0.5 })
    const m = new Model(h)
    for (let step = 0; step < 300; step++) {
      const peer = pick(PEERS)
      const op = int(100)
      if (op < 8) {
        const pieces = new Set(Array.from({ length: PIECES }, (_, p) => p).filter(() => rng() < 0.5))
        h.picker.onPeerBitfield(peer, p => pieces.has(p))
        m.peers.set(peer, pieces)
      } else if (op < 10) {
        h.picker.onPeerHaveAll(peer)
        m.peers.set(peer, 'all')
      } else if (op < 20) {
        const piece = int(PIECES)
        h.picker.onGotHave(peer, piece)
        const known = m.peers.get(peer) ?? new Set<number>()
        if (known !== 'all') known.add(piece)
        m.peers.set(peer, known)
      } else if (op < 23) {
        h.picker.onPeerGone(peer)
        for (const b of m.inFlightOf(peer)) m.release(peer, b)
        m.peers.delete(peer)
      } else if (op < 55) {
        const max = 1 + int(5)
        const endgame = m.endgame()
        const picks = m.next(peer, max)
        t.same(h.next(peer, max), picks, `seed ${seed} step ${step}: next(${peer}, ${max})`)
        if (endgame && picks.length > 0) seen.duplicates++
      } else if (op < 80) {
        const inFlight = [...m.inFlight.keys()]
        if (inFlight.length === 0) continue
        const block = pick(inFlight)
        const from = rng() < 0.9 ? pick(m.inFlight.get(block)!) : peer
        const cancels = m.got(from, block)
        t.same(h.got(from, block), cancels, `seed ${seed} step ${step}: got ${block} from ${from}`)
        if (cancels.length > 0) seen.cancels++
      } else if (op < 88) {
        const mine = m.inFlightOf(peer)
        if (mine.length === 0) continue
        const block = pick(mine)
        h.failed(peer, block)
        m.release(peer, block)
      } else if (op < 96) {
        const done = Array.from({ length: PIECES }, (_, p) => p)
          .filter(p => !h.mediator.clientHasPiece(p) && m.blocks(p).every(b => m.received.has(b)))
        if (done.length === 0) continue
        const piece = pick(done)
        for (const b of m.blocks(piece)) { m.received.delete(b); m.inFlight.delete(b) }
        if (rng() < 0.8) h.verify(piece)
        else h.picker.onPieceFailed(piece)
      } else if (op < 98) {
        h.prioritize(Array.from({ length: PIECES }, () => String(int(3))).join(''))
      } else {
        const deadline = deadlines()
        h.mediator.deadlines = Array.from(deadline, c => c === '.' ? undefined : Number(c) * DEADLINE_STEP)
        const stale = m.seek()
        t.same(h.setDeadlines(deadline), stale, `seed ${seed} step ${step}: deadlines ${deadline}`)
        if (stale.length > 0) seen.stale++
      }
      t.equal(h.picker.isEndgame(), m.endgame(), `seed ${seed} step ${step}: endgame`)
      if (m.endgame()) seen.endgame++
      for (const p of PEERS) {
        t.same(h.inFlight(p), m.inFlightOf(p).sort(byBlock), `seed ${seed} step ${step}: in flight to ${p}`)
      }
    }
  }
  t.ok(seen.endgame > 0 && seen.duplicates > 0 && seen.cancels > 0 && seen.stale > 0, `the events reach endgame and stale requests: ${JSON.stringify(seen)}`)
})
