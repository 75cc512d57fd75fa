/**
 * A web seed is a fallback for deadlines only: it is described by the context, has every piece,
 * and gets a block only when no regular peer can deliver it in time: judged block by block here,
 * and for the peers together in swarm-backlog.test.ts.
 */
import t from 'tap'
import { setup } from './setup.js'

t.test('gives a web seed nothing while peers can meet the deadlines', async t => {
  const h = setup({ have: '00', peers: { a: '11' }, webSeeds: ['w'], deadline: '5.', rates: { a: 10, w: 20 } })
  t.same(h.pick('w', 4, 0), [], 'a can deliver piece 0 by 100 ms; piece 1 has no deadline')
  t.same(h.pick('a', 1, 0), ['0.0'])
  t.same(h.pick('w', 4, 0), [], 'the block in flight to a is on time')
  t.same(h.pick('a', 1, 0), ['1.0'])
  t.same(h.pick('w', 4, 0), [], 'and in endgame')
  t.same(h.picker.availability(0), 1, 'a web seed does not count toward availability')
})

t.test('gives a web seed the late block when no peer can make the deadline', async t => {
  const h = setup({ have: '00', peers: { a: '11' }, webSeeds: ['w'], deadline: '5.', rates: { a: 10, w: 20 } })
  t.same(h.pick('a', 1, 0), ['0.0'])
  h.sources.get('a')!.rate = 1
  t.same(h.pick('w', 4, 100), ['0.0'], 'a now delivers at 1000 ms; w at 150 ms')
  t.same(h.got('w', '0.0'), ['a'])
})

t.test('keeps a late block from a web seed while another peer can still make the deadline', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, webSeeds: ['w'], deadline: '5.', rates: { a: 10, b: 10, w: 20 } })
  t.same(h.pick('a', 1, 0), ['0.0'])
  h.sources.get('a')!.rate = 1
  t.same(h.pick('w', 4, 100), [], 'b can deliver by 200 ms')
  t.same(h.pick('b', 4, 100), ['0.0'])
})

t.test('gives a web seed an urgent piece no peer with the piece can finish in time', async t => {
  const h = setup({ have: '00', peers: { a: '11' }, webSeeds: ['w'], deadline: '2.', rates: { a: 2, w: 20 } })
  t.same(h.pick('w', 2, 0), ['0.0'], 'a would deliver at 500 ms for a 200 ms deadline; w delivers at 50 ms, and takes nothing without a deadline')
  t.same(h.pick('a', 1, 0), ['1.0'])
})

t.test('never passes a slow peer over for a web seed: the web seed duplicates the block once it is late', async t => {
  const h = setup({ have: '000', peers: { a: '111' }, webSeeds: ['w'], deadline: '23.', rates: { a: 2, w: 20 } })
  t.same(h.pick('w', 1, 0), ['0.0'], 'no peer can deliver piece 0 by 200 ms')
  t.same(h.pick('a', 2, 0), ['1.0', '2.0'], 'a delivers piece 1 at 500 ms for 300 ms, but only peers can pass it over')
  t.same(h.pick('w', 1, 0), ['1.0'], 'w delivers its copy at 100 ms')
  t.same(h.got('w', '1.0'), ['a'])
})

t.test('gives a snubbed web seed nothing', async t => {
  const h = setup({ have: '0', peers: { a: '1' }, webSeeds: ['w'], deadline: '2', rates: { a: 2, w: 20 }, snubbed: ['w'] })
  t.same(h.pick('w', 2, 0), [])
  t.same(h.pick('a', 2, 0), ['0.0'], 'a snubbed web seed is no rival')
})

t.test('a web seed that leaves frees its blocks', async t => {
  const h = setup({ have: '0', peers: { a: '1' }, webSeeds: ['w'], deadline: '2', rates: { a: 2, w: 20 } })
  t.same(h.pick('w', 2, 0), ['0.0'])
  h.picker.onPeerGone('w')
  h.sources.delete('w')
  t.same(h.inFlight('w'), [])
  t.same(h.pick('a', 2, 0), ['0.0'])
  t.same(h.next('w', 2), [], 'a web seed that left is a stranger')
})
