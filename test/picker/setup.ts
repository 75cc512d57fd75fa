/**
 * Picker fixtures in the libtorrent manner: one character per piece. `setup` builds a picker over
 * a map-backed mediator and wraps it so every call is followed by `assertInvariants()`.
 * Blocks are written 'piece.block' ('3.1' is block 1 of piece 3) so pick orders read at a glance.
 * Deadlines are digits of 100 ms ('3' is 300 ms, '.' none); rates are blocks per second, so a
 * peer at 10 with nothing queued delivers its next block 100 ms from now.
 */
import { BLOCK_BYTES, PiecePicker, type BlockRequest, type PeerSnapshot, type PickContext, type PickerMediator } from '../../src/picker/index.js'

/** Milliseconds per deadline digit. */
export const DEADLINE_STEP = 100

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
  /** One character per piece: a digit d is a deadline at d × 100 ms, '.' none. */
  deadline?: string
  /** Peer id to blocks per second; peers not listed are connected with an unknown rate (0). */
  rates?: Record<string, number>
  /** Peers in their first second: their rate is only a lower bound. */
  lowerBound?: string[]
  snubbed?: string[]
  /** Web seeds: known to the picker only through the context, like the engine's. */
  webSeeds?: string[]
}

/** What the harness tells the picker about one source; tests edit it between picks. */
export interface SourceState {
  /** Blocks per second. */
  rate: number
  rateIsLowerBound: boolean
  snubbed: boolean
  webSeed: boolean
}

/** A mediator answering from plain maps that tests edit directly. */
export class MapMediator implements PickerMediator {
  readonly pieceCount: number
  readonly have: Set<number>
  priorities: number[]
  readonly blocks: number[]
  deadlines: Array<number | undefined>

  constructor (fixture: Fixture) {
    this.pieceCount = fixture.have.length
    this.have = new Set(indexesOf(fixture.have, '1'))
    this.priorities = digits(fixture.priority ?? '1'.repeat(this.pieceCount), this.pieceCount)
    this.blocks = digits(fixture.blocks ?? '1'.repeat(this.pieceCount), this.pieceCount)
    this.deadlines = deadlines(fixture.deadline ?? '.'.repeat(this.pieceCount), this.pieceCount, 0)
  }

  blockCount (piece: number): number { return this.blocks[piece] ?? 0 }
  clientHasPiece (piece: number): boolean { return this.have.has(piece) }
  piecePriority (piece: number): number { return this.priorities[piece] ?? 0 }
  pieceDeadline (piece: number): number | undefined { return this.deadlines[piece] }
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
  /** Sources the context describes, by id; edit them to slow a peer down or snub it. */
  sources: Map<string, SourceState>
  /** The context the engine would pass at `now`: queued bytes are the blocks in flight to each source. */
  context: (now: number) => PickContext
  /** `next` with a context at `now`. */
  pick: (peer: string, max: number, now: number) => string[]
  /** Replaces every deadline, digits counted from `from`, and returns the stale requests as 'peer piece.block'. */
  setDeadlines: (deadline: string, from?: number) => string[]
  /** Background requests the peer gives up for urgent blocks due within `withinMs` of `now`, as 'piece.block'. */
  yieldToUrgent: (peer: string, now: number, withinMs: number) => string[]
}

export function setup (fixture: Fixture): Harness {
  const mediator = new MapMediator(fixture)
  const raw = new PiecePicker({
    mediator,
    random: fixture.random ?? seededRandom(fixture.seed ?? 1),
    endgameDuplicates: fixture.endgameDuplicates
  })
  const picker = checked(raw)
  picker.assertInvariants()
  for (const [peer, pieces] of Object.entries(fixture.peers ?? {})) {
    if (pieces.length !== mediator.pieceCount) throw new Error(`peer ${peer} fixture has ${pieces.length} pieces, torrent ${mediator.pieceCount}`)
    picker.onPeerBitfield(peer, piece => pieces[piece] === '1')
  }
  for (const peer of fixture.seeds ?? []) picker.onPeerHaveAll(peer)
  const sources = new Map<string, SourceState>()
  for (const peer of [...Object.keys(fixture.peers ?? {}), ...fixture.seeds ?? [], ...fixture.webSeeds ?? []]) {
    sources.set(peer, {
      rate: fixture.rates?.[peer] ?? 0,
      rateIsLowerBound: fixture.lowerBound?.includes(peer) ?? false,
      snubbed: fixture.snubbed?.includes(peer) ?? false,
      webSeed: fixture.webSeeds?.includes(peer) ?? false
    })
  }
  // Reads the unchecked picker: the context is consulted in the middle of `next`.
  const context = (now: number): PickContext => ({
    now,
    peer: (id): PeerSnapshot | undefined => {
      const source = sources.get(id)
      if (source === undefined) return undefined
      const { rate, rateIsLowerBound, snubbed, webSeed } = source
      return { rate: rate * BLOCK_BYTES, rateIsLowerBound, queuedBytes: raw.inFlight(id).length * BLOCK_BYTES, snubbed, webSeed }
    }
  })
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
    inFlight: peer => picker.inFlight(peer).map(name).sort(byBlock),
    sources,
    context,
    pick: (peer, max, now) => picker.next(peer, max, context(now)).map(name),
    setDeadlines: (deadline, from = 0) => {
      mediator.deadlines = deadlines(deadline, mediator.pieceCount, from)
      return picker.onDeadlinesChanged(from).map(({ peer, req }) => `${peer} ${name(req)}`)
    },
    yieldToUrgent: (peer, now, withinMs) => picker.yieldToUrgent(peer, now, withinMs).map(name)
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

function deadlines (pieces: string, pieceCount: number, from: number): Array<number | undefined> {
  if (pieces.length !== pieceCount) throw new Error(`fixture '${pieces}' has ${pieces.length} pieces, torrent ${pieceCount}`)
  return [...pieces].map(c => c === '.' ? undefined : from + Number(c) * DEADLINE_STEP)
}

function digits (pieces: string, pieceCount: number): number[] {
  if (pieces.length !== pieceCount) throw new Error(`fixture '${pieces}' has ${pieces.length} pieces, torrent ${pieceCount}`)
  return [...pieces].map(Number)
}
