/**
 * How many block requests one peer may have in flight. Normally what its measured rate deserves
 * (PeerConnection.pipelineSize); shorter while a stream plays, so an urgent block never queues
 * behind much already-requested data; and, while a stream plays, a full first window for a peer
 * that has not delivered one yet.
 *
 * Why the first window: a new peer's rate is unknown, so its rate-sized pipeline is the minimum
 * (4 blocks). At a stream's opening every peer is new, so each took 4 urgent blocks and, once
 * those arrived, filled its pipeline with background blocks while the rest of the opening waited
 * in other peers' queues; a seeder that sends in bursts (libtorrent's rate limiter hands a
 * 1 MiB/s seeder about 512 KiB at a time) then spent its next burst on the background blocks.
 * With 32 blocks each, four new peers share a 2 MiB opening in their first bursts. Measured on
 * the streaming bench (4 libtorrent seeders at 1 MiB/s, 20 runs per set, two sets each,
 * alternated): startup median 1.10 and 1.16 s before, 0.56 and 0.61 s with it.
 */
import { BLOCK_LENGTH } from '../wire/index.js'

/**
 * Pipeline depth while a stream plays, in seconds of the peer's rate: a new urgent block waits
 * behind at most this much already-requested data at each peer.
 */
export const STREAMING_PIPELINE_SECONDS = 0.3
/** Requests a peer may have in flight while a stream plays, until it has delivered as many. */
export const FIRST_WINDOW_BLOCKS = 32

export interface PipelineState {
  /** Has not sent us anything for a long while we waited on it. */
  snubbed: boolean
  /** A stream is playing from this torrent. */
  streaming: boolean
  /** Payload bytes this peer has delivered so far. */
  deliveredBytes: number
  /** Requests the peer's measured rate deserves for `seconds` of transfer (default: the normal depth). */
  rateSized: (seconds?: number) => number
}

export function pipelineCapacity (peer: PipelineState): number {
  if (peer.snubbed) return 1
  if (!peer.streaming) return peer.rateSized()
  const sized = peer.rateSized(STREAMING_PIPELINE_SECONDS)
  return peer.deliveredBytes < FIRST_WINDOW_BLOCKS * BLOCK_LENGTH ? Math.max(sized, FIRST_WINDOW_BLOCKS) : sized
}
