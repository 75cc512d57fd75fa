/**
 * Trace-level log lines per block a source is asked for, sends, or is relieved of: the input of
 * scripts/bench/block-trace-report.ts (README, "Tracing blocks"). The level is checked once per
 * source, since blocks come by the thousand a second.
 */
import type { Logger } from '../log.js'
import type { BlockRequest } from '../picker/index.js'

export type BlockTraceMessage = 'block requested' | 'block arrived' | 'block cancelled' | 'block timed out'
export type BlockTracer = (msg: BlockTraceMessage, req: BlockRequest) => void

/** Logs the source's block events at trace level; undefined when the logger would drop them. */
export function blockTracer (log: Logger, source: string): BlockTracer | undefined {
  if (!log.isLevelEnabled('trace')) return undefined
  return (msg, req) => log.trace({ peer: source, piece: req.piece, block: req.block }, msg)
}
