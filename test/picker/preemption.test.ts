/**
 * A reader that opens a file or seeks needs blocks soon, while the peers' pipelines are full of
 * background requests. The picker withdraws just enough of those, newest first, so the urgent
 * blocks do not queue behind them; it keeps what is nearly done and what has a deadline.
 */
import t from 'tap'
import { setup } from './setup.js'

t.test('a seek makes the peer give up background requests, newest first, one per urgent block waiting', async t => {
  const h = setup({ have: '0000', blocks: '4444', peers: { a: '1111' }, rates: { a: 100 }, random: () => 0.5 })
  t.same(h.pick('a', 6, 0), ['0.0', '0.1', '0.2', '0.3', '1.0', '1.1'], 'rarest-first background work')
  h.setDeadlines('...1')
  t.same(h.yieldToUrgent('a', 0, 500), ['1.1', '1.0', '0.3', '0.2'], 'four blocks of piece 3 are waiting')
  t.same(h.inFlight('a'), ['0.0', '0.1'])
  t.same(h.pick('a', 4, 0), ['3.0', '3.1', '3.2', '3.3'], 'the freed slots go to the urgent piece')
})

t.test('keeps nearly-done pieces and requests for pieces with a deadline', async t => {
  const h = setup({ have: '0000', blocks: '4444', peers: { a: '1111' }, rates: { a: 100 }, deadline: '.9..', random: () => 0.5 })
  t.same(h.pick('a', 8, 0), ['1.0', '1.1', '1.2', '1.3', '0.0', '0.1', '0.2', '0.3'])
  for (const block of ['0.0', '0.1', '0.2']) h.got('a', block)
  h.setDeadlines('.9.1')
  t.same(h.yieldToUrgent('a', 0, 500), [], 'piece 1 is due, piece 0 has 3 of 4 blocks')
})

t.test('yields nothing when the urgent blocks are already requested, not due soon, or not on this peer', async t => {
  const h = setup({ have: '0000', blocks: '2222', peers: { a: '1110', b: '0001' }, rates: { a: 100, b: 100 }, random: () => 0.5 })
  t.same(h.pick('a', 2, 0), ['0.0', '0.1'])
  h.setDeadlines('...1')
  t.same(h.yieldToUrgent('a', 0, 500), [], 'a does not have piece 3')
  h.setDeadlines('.9..')
  t.same(h.yieldToUrgent('a', 0, 500), [], 'piece 1 is due in 900 ms, beyond the 500 ms looked at')
  t.same(h.yieldToUrgent('a', 0, 1000), ['0.1', '0.0'], 'within 1 s it is waiting')
  t.same(h.pick('a', 2, 0), ['1.0', '1.1'])
  t.same(h.yieldToUrgent('a', 0, 1000), [], 'every urgent block is in flight')
})

t.test('a yielded piece goes back to the pool for any peer', async t => {
  const h = setup({ have: '000', blocks: '222', peers: { a: '111', b: '110', c: '001' }, rates: { a: 100, b: 100 }, random: () => 0.5 })
  t.same(h.pick('a', 2, 0), ['0.0', '0.1'])
  h.setDeadlines('..1')
  t.same(h.yieldToUrgent('a', 0, 500), ['0.1', '0.0'])
  t.same(h.pick('b', 2, 0), ['0.0', '0.1'])
})
