/**
 * The swarm's view of deadline work, for web seeds. Deadline pieces not yet verified form a
 * backlog that the regular peers drain together, earliest deadline first, at the sum of their
 * measured rates: piece p is reached at now + (missing bytes of p and every piece before it) / rate.
 * A piece reached after its deadline is at risk even when each of its blocks alone looks
 * deliverable by some peer. No measured rate means no aggregate risk (per-block rules still apply).
 * Only deadlines within AT_RISK_HORIZON_MS count.
 */
import type { PieceDeadlines } from './piece-deadlines.js'
import type { RequestLedger } from './request-ledger.js'
import { BLOCK_BYTES, type PickerMediator } from './types.js'

/** One moment's backlog: the deadline pieces and how fast the regular peers drain them. */
export interface SwarmBacklogInit {
  now: number
  /** Bytes per second of the regular peers together, unmeasured ones left out; 0 when none is measured. */
  rate: number
  /** Pieces with a deadline, earliest first; verified ones have no missing bytes. */
  pieces: Iterable<number>
  deadline: (piece: number) => number
  /** Bytes of the piece not yet received (blocks in flight count: conservative). */
  missingBytes: (piece: number) => number
}

/**
 * How far ahead a deadline can be at risk. The peers' rates are averages over the last few
 * seconds, counted in whole-second buckets, while rate-limited seeders send in bursts, so
 * their sum swings from one moment to the next. A low swing read as a deficit over 40 s of
 * readahead put pieces 8 MiB and more ahead at risk, and a web seed fetched them while the
 * peers kept up (up to 14 % of a playback's bytes); its bytes then raised the reader's pace
 * and kept them at risk. A lasting deficit shows inside the horizon when the reader declares
 * its rate: behind its playback clock, its next pieces are due at once (src/engine/stream-readers.ts).
 * A reader without a rate shows none at any horizon: its pace is the download's.
 */
export const AT_RISK_HORIZON_MS = 3000

/** Pieces due within the horizon that the regular peers together will not finish by their deadlines, earliest deadline first. */
export function * piecesAtRisk (init: SwarmBacklogInit): Generator<number> {
  if (!(init.rate > 0)) return
  for (const [piece, depth] of backlogDepths(init.pieces, init.missingBytes)) {
    const deadline = init.deadline(piece)
    if (deadline > init.now + AT_RISK_HORIZON_MS) return
    if (init.now + depth * 1000 / init.rate > deadline) yield piece
  }
}

/**
 * How deep into the deadline backlog each piece lies: the bytes missing from it and from every
 * deadline piece before it, earliest deadline first. Divided by the regular peers' rate together,
 * that is when the swarm reaches the piece. Pieces with nothing missing are left out. Lazy.
 */
export function * backlogDepths (pieces: Iterable<number>, missingBytes: (piece: number) => number): Generator<[piece: number, depth: number]> {
  let backlog = 0
  for (const piece of pieces) {
    const missing = missingBytes(piece)
    if (missing <= 0) continue
    backlog += missing
    yield [piece, backlog]
  }
}

/** The picker's state a web seed's share of the backlog is read from. */
export interface WebSeedWorkInit {
  now: number
  /** As {@link SwarmBacklogInit.rate}. */
  rate: number
  deadlines: PieceDeadlines
  ledger: RequestLedger
  mediator: PickerMediator
  isWebSeed: (source: string) => boolean
}

/**
 * The at-risk pieces in the order a web seed should work on them: those no regular peer is
 * working on first, so the web seed and the peers do not fight over one piece, then the rest;
 * each group earliest deadline first. Lazy: the backlog is walked once, and only as far as needed.
 */
export function * webSeedWork (init: WebSeedWorkInit): Generator<number> {
  const { deadlines, ledger, mediator } = init
  const regular = (source: string): boolean => !init.isWebSeed(source)
  const worked: number[] = []
  const atRisk = piecesAtRisk({
    now: init.now,
    rate: init.rate,
    pieces: deadlines.earliestFirst(),
    deadline: piece => deadlines.of(piece),
    missingBytes: piece => mediator.clientHasPiece(piece)
      ? 0
      : (mediator.blockCount(piece) - (ledger.get(piece)?.received ?? 0)) * BLOCK_BYTES
  })
  for (const piece of atRisk) {
    if (ledger.get(piece)?.isInFlightTo(regular) === true) worked.push(piece)
    else yield piece
  }
  yield * worked
}
