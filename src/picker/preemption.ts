/**
 * Preemption: when a reader suddenly needs pieces soon (it opened a file or seeked), a peer's
 * pipeline may already be full of background (rarest-first) requests, and the urgent blocks
 * would queue behind them for a pipeline's worth of time. This chooses which background
 * requests to withdraw so urgent ones can take their slots. Pure; the picker releases them.
 */
import { NEARLY_DONE, type PieceDeadlines } from './piece-deadlines.js'
import type { RequestLedger } from './request-ledger.js'
import type { BlockRequest } from './types.js'

export interface PreemptionQuery {
  peer: string
  /** Only blocks due before `dueBy` (ms) count as urgent work waiting. */
  dueBy: number
  deadlines: PieceDeadlines
  ledger: RequestLedger
  /** The peer has the piece. */
  peerHas: (piece: number) => boolean
  /** The piece is wanted and not verified yet. */
  missing: (piece: number) => boolean
  blockCount: (piece: number) => number
}

/**
 * The peer's background requests to withdraw, most recently made first (the ones least likely
 * to be on the wire already): at most as many as there are unrequested blocks due by `dueBy`
 * that the peer could serve. Requests for pieces with a deadline and for nearly-done pieces stay.
 */
export function backgroundToYield (q: PreemptionQuery): BlockRequest[] {
  let waiting = 0
  for (const piece of q.deadlines.earliestFirst()) {
    if (q.deadlines.of(piece) > q.dueBy) break
    if (!q.missing(piece) || !q.peerHas(piece)) continue
    waiting += q.ledger.get(piece)?.unrequested ?? q.blockCount(piece)
  }
  if (waiting === 0) return []
  const yielded: BlockRequest[] = []
  const requests = q.ledger.requestsOf(q.peer)
  for (let i = requests.length - 1; i >= 0 && yielded.length < waiting; i--) {
    const req = requests[i] as BlockRequest
    if (q.deadlines.of(req.piece) !== Infinity) continue
    const progress = q.ledger.get(req.piece)
    if (progress !== undefined && progress.received >= NEARLY_DONE * progress.blockCount) continue
    yielded.push(req)
  }
  return yielded
}
