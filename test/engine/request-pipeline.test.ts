import t from 'tap'
import { FIRST_WINDOW_BLOCKS, pipelineCapacity, STREAMING_PIPELINE_SECONDS, type PipelineState } from '../../src/engine/request-pipeline.js'

const BLOCK = 16 * 1024

/** A peer whose rate deserves 40 blocks per second of transfer, never fewer than 4. */
function peer (over: Partial<PipelineState>): PipelineState {
  return {
    snubbed: false,
    streaming: false,
    deliveredBytes: 0,
    rateSized: (seconds = 1) => Math.max(4, Math.round(40 * seconds)),
    ...over
  }
}

t.test('without a stream, the pipeline is what the rate deserves for the normal depth', async t => {
  t.equal(pipelineCapacity(peer({})), 40)
  t.equal(pipelineCapacity(peer({ deliveredBytes: 10 * 1024 * 1024 })), 40)
})

t.test('a snubbing peer gets one request at a time, stream or not', async t => {
  t.equal(pipelineCapacity(peer({ snubbed: true })), 1)
  t.equal(pipelineCapacity(peer({ snubbed: true, streaming: true })), 1)
})

t.test('while a stream plays, a peer that has delivered a full window gets a short, rate-sized pipeline', async t => {
  t.equal(STREAMING_PIPELINE_SECONDS, 0.3)
  t.equal(pipelineCapacity(peer({ streaming: true, deliveredBytes: FIRST_WINDOW_BLOCKS * BLOCK })), 12)
})

t.test('while a stream plays, a new peer gets a full first window instead of the minimum its unknown rate allows', async t => {
  // An unknown rate deserves only the minimum, whatever the depth asked for.
  const unmeasured = (): number => 4
  t.equal(FIRST_WINDOW_BLOCKS, 32)
  t.equal(pipelineCapacity(peer({ streaming: true, rateSized: unmeasured })), 32, 'nothing delivered yet')
  t.equal(pipelineCapacity(peer({ streaming: true, deliveredBytes: 31 * BLOCK })), 32, 'one block short of a window')
  t.equal(pipelineCapacity(peer({ streaming: true, deliveredBytes: 32 * BLOCK, rateSized: unmeasured })), 4, 'a window delivered: its rate decides')
})

t.test('a new peer already measured as fast keeps the longer pipeline its rate deserves', async t => {
  const fast = (seconds = 1): number => Math.round(200 * seconds)
  t.equal(pipelineCapacity(peer({ streaming: true, deliveredBytes: BLOCK, rateSized: fast })), 60)
})
