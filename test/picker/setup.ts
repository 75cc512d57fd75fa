/**
 * Picker fixtures in the libtorrent manner: one character per piece. `setup` builds a picker over
 * a map-backed mediator and wraps it so every call is followed by `assertInvariants()`.
 * Blocks are written 'piece.block' ('3.1' is block 1 of piece 3) so pick orders read at a glance.
 */
import { PiecePicker, type BlockRequest, type PickerMediator } from '../../src/picker/index.js'

export interface Fixture {
  /** '1' where the client has the piece verified, '0' where it is missing; sets the piece count. */
  have: string
  /** Peer id to its pieces, '1' where it has the piece. */
  peers?: Record<string, string>
  /** Peers that sent HAVE ALL. */
  seeds?: string[]
  /** One digit per piece; '1' everywhere by default. */
  priority?: string
  /** Blocks per piece, one digit each; 1 everywhere by default. */
  blocks?: string
  seed?: number
  /** Replaces the seeded RNG, e.g. a constant so ties fall to the piece index. */
  random?: () => number
  endgameDuplicates?: number
}

/** A mediator answering from plain maps that tests edit directly. */
export class MapMediator implements PickerMediator {
  readonly pieceCount: number
  readonly have: Set<number>
  priorities: number[]
  readonly blocks: number[]

  constructor (fixture: Fixture) {
    this.pieceCount = fixture.have.length
    this.have = new Set(indexesOf(fixture.have, '1'))
    this.priorities = digits(fixture.priority ?? '1'.repeat(this.pieceCount), this.pieceCount)
    this.blocks = digits(fixture.blocks ?? '1'.repeat(this.pieceCount), this.pieceCount)
  }

  blockCount (piece: number): number { return this.blocks[piece] ?? 0 }
  clientHasPiece (piece: number): boolean { return this.have.has(piece) }
  piecePriority (piece: number): number { return this.priorities[piece] ?? 0 }
}

export interface Harness {
  /** Every method call is followed by `assertInvariants()`. */
  picker: PiecePicker
  mediator: MapMediator
  /** New requests for the peer, as 'piece.block'. */
  next: (peer: string, max: number) => string[]
  /** The block arrived from the peer; returns the peers to cancel. */
  got: (peer: string, block: string) => string[]
  failed: (peer: string, block: string) => void
  /** Stores the piece and tells the picker. */
  verify: (piece: number) => void
  /** Replaces every priority ('0' deselects) and tells the picker. */
  prioritize: (priority: string) => void
  inFlight: (peer: string) => string[]
}

export function setup (fixture: Fixture): Harness {
  const mediator = new MapMediator(fixture)
  const picker = checked(new PiecePicker({
    mediator,
    random: fixture.random ?? seededRandom(fixture.seed ?? 1),
    endgameDuplicates: fixture.endgameDuplicates
  }))
  picker.assertInvariants()
  for (const [peer, pieces] of Object.entries(fixture.peers ?? {})) {
    if (pieces.length !== mediator.pieceCount) throw new Error(`peer ${peer} fixture has ${pieces.length} pieces, torrent ${mediator.pieceCount}`)
    picker.onPeerBitfield(peer, piece => pieces[piece] === '1')
  }
  for (const peer of fixture.seeds ?? []) picker.onPeerHaveAll(peer)
  return {
    picker,
    mediator,
    next: (peer, max) => picker.next(peer, max).map(name),
    got: (peer, block) => picker.onGotBlock(peer, parse(block)),
    failed: (peer, block) => picker.onRequestFailed(peer, parse(block)),
    verify: piece => {
      mediator.have.add(piece)
      picker.onPieceVerified(piece)
    },
    prioritize: priority => {
      mediator.priorities = digits(priority, mediator.pieceCount)
      picker.onPriorityChanged()
    },
    inFlight: peer => picker.inFlight(peer).map(name).sort(byBlock)
  }
}

/** 'piece.block' */
export function name (req: BlockRequest): string {
  return `${req.piece}.${req.block}`
}

export function parse (block: string): BlockRequest {
  const [piece, index] = block.split('.').map(Number)
  if (piece === undefined || index === undefined) throw new Error(`not a block name: ${block}`)
  return { piece, block: index }
}

export function byBlock (a: string, b: string): number {
  const x = parse(a)
  const y = parse(b)
  return (x.piece - y.piece) || (x.block - y.block)
}

/** Deterministic RNG in [0, 1): xorshift32 over a scrambled seed. */
export function seededRandom (seed: number): () => number {
  let state = (Math.imul(seed + 1, 0x9e3779b9) ^ 0x5bd1e995) >>> 0
  if (state === 0) state = 1
  const step = (): number => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 2 ** 32
  }
  for (let i = 0; i < 8; i++) step()
  return step
}

/** Wraps the picker so every method call is followed by a full invariant check. */
function checked (picker: PiecePicker): PiecePicker {
  return new Proxy(picker, {
    get (target, key) {
      const value: unknown = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      if (key === 'assertInvariants') return () => target.assertInvariants()
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args)
        target.assertInvariants()
        return result
      }
    }
  })
}

function indexesOf (pieces: string, char: string): number[] {
  return [...pieces].flatMap((c, i) => c === char ? [i] : [])
}

function digits (pieces: string, pieceCount: number): number[] {
  if (pieces.length !== pieceCount) throw new Error(`fixture '${pieces}' has ${pieces.length} pieces, torrent ${pieceCount}`)
  return [...pieces].map(Number)
}
