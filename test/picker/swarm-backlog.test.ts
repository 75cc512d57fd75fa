/**
 * Web seeds and the swarm's backlog: the regular peers drain the deadline pieces together, at the
 * sum of their rates, and a web seed gets the pieces they cannot reach in time even when each
 * block alone looks deliverable by some peer. Rates are blocks per second (setup.ts), so peers a
 * and b at 10 each drain one block every 50 ms; each piece has 4 blocks.
 */
import t from 'tap'
import { BLOCK_BYTES } from '../../src/picker/index.js'
import { AT_RISK_HORIZON_MS, piecesAtRisk } from '../../src/picker/swarm-backlog.js'
import { setup } from './setup.js'

const blocks = '4444'
const rates = { a: 10, b: 10, w: 20 }

t.test('a web seed gets the earliest deadline piece the swarm cannot reach in time when peers together are too slow', async t => {
  const h = setup({ have: '0000', blocks, peers: { a: '1111', b: '1111' }, webSeeds: ['w'], deadline: '234.', rates })
  t.same(h.pick('w', 4, 0), ['1.0', '1.1', '1.2', '1.3'], 'piece 0 is reached at 200 ms for 200 ms; piece 1 at 400 ms for 300 ms, though a alone would deliver any one block by 100 ms')
  t.same(h.pick('w', 4, 0), ['2.0', '2.1', '2.2', '2.3'], 'asking for more moves on to the next piece at risk: 600 ms for 400 ms')
  t.same(h.pick('w', 4, 0), [], 'piece 0 is on time and piece 3 has no deadline')
  t.same(h.pick('a', 2, 0), ['0.0', '0.1'], 'the peers keep piece 0')
})

t.test('a web seed gets nothing while the peers together keep up with every deadline', async t => {
  const h = setup({ have: '0000', blocks, peers: { a: '1111', b: '1111' }, webSeeds: ['w'], deadline: '2468', rates })
  t.same(h.pick('w', 8, 0), [], 'the pieces are reached at 200, 400, 600 and 800 ms')
  t.same(h.pick('a', 2, 0), ['0.0', '0.1'])
  t.same(h.pick('b', 2, 0), ['0.2', '0.3'])
  t.same(h.pick('w', 8, 0), [], 'the blocks in flight are on time')
  t.same(h.got('a', '0.0'), [])
  t.same(h.got('b', '0.2'), [])
  t.same(h.pick('w', 8, 100), [], 'at 100 ms, 14 blocks are left for 700 ms: still on time')
})

t.test('a web seed does not take a piece a regular peer has started when an untouched at-risk piece exists', async t => {
  const h = setup({ have: '0000', blocks, peers: { a: '0111', b: '1111' }, webSeeds: ['w'], deadline: '234.', rates })
  t.same(h.pick('a', 2, 0), ['1.0', '1.1'], 'a lacks piece 0 and starts piece 1')
  t.same(h.pick('w', 4, 0), ['2.0', '2.1', '2.2', '2.3'], 'pieces 1 and 2 are at risk; piece 2 is untouched')
  t.same(h.pick('w', 4, 0), ['1.2', '1.3'], 'then the rest of the started piece at risk')
  t.same(h.inFlight('a'), ['1.0', '1.1'], 'the web seed duplicates none of the blocks in flight to a')
})

t.test('peers without a measured rate do not send work to the web seed', async t => {
  const h = setup({ have: '0000', blocks: '2222', peers: { a: '1111', b: '1111', c: '1111' }, webSeeds: ['w'], deadline: '2468', rates: { a: 10, w: 20 } })
  t.same(h.pick('w', 8, 0), [], 'b and c are left out of the sum: a alone reaches the pieces at 200, 400, 600 and 800 ms')
  const backlog = { now: 0, pieces: [0, 1], deadline: () => 0, missingBytes: () => BLOCK_BYTES }
  t.same([...piecesAtRisk({ ...backlog, rate: 0 })], [], 'with no rate measured, nothing is at risk')
  t.same([...piecesAtRisk({ ...backlog, rate: BLOCK_BYTES })], [0, 1], 'the same backlog with a measured rate misses both deadlines')
})

t.test('a deadline further away than the horizon is never at risk, however far behind the peers are', async t => {
  const h = setup({ have: '0000', blocks, peers: { a: '1111', b: '1111' }, webSeeds: ['w'], rates: { a: 1, b: 1, w: 20 } })
  h.setDeadlines('234.', AT_RISK_HORIZON_MS - 200)
  t.same(h.pick('w', 4, 0), [], 'a and b reach piece 1 at 4 s against its 3.1 s, but 3.1 s is beyond the 3 s horizon')
  t.same(h.pick('w', 4, 200), ['1.0', '1.1', '1.2', '1.3'], 'at 200 ms piece 1 is within the horizon: the web seed takes it')
  const backlog = { now: 0, rate: BLOCK_BYTES, pieces: [0, 1], missingBytes: () => 4 * BLOCK_BYTES }
  const deadline = (piece: number): number => AT_RISK_HORIZON_MS + piece
  t.same([...piecesAtRisk({ ...backlog, deadline })], [0], 'reached at 4 and 8 s: the deadline on the horizon counts, the one a millisecond past it does not')
})
