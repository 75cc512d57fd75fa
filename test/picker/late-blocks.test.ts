/**
 * Blocks late for their deadline: the picker stamps each request with its time and the bytes
 * queued ahead of it, and duplicates a block whose copies will all arrive after the deadline.
 */
import t from 'tap'
import { setup } from './setup.js'

t.test('duplicates a block its peer slowed down on to another peer that can make the deadline', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10', c: '10' }, deadline: '5.', rates: { a: 10, b: 10, c: 10 } })
  t.same(h.pick('a', 1, 0), ['0.0'], 'expected at 100 ms for a 500 ms deadline')
  t.same(h.pick('b', 1, 0), [], 'not late: nothing to duplicate')
  h.sources.get('a')!.rate = 1
  t.same(h.pick('b', 1, 100), ['0.0'], 'at 1 block/s, a now delivers at 1000 ms')
  t.same(h.pick('c', 1, 100), [], 'a block is in flight twice at most')
  t.same(h.got('b', '0.0'), ['a'], 'the loser is named for cancel')
  t.same(h.inFlight('a'), [])
})

t.test('duplicates a block that is past its expected arrival once one more block-time would miss the deadline', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, deadline: '5.', rates: { a: 10, b: 40 } })
  t.same(h.pick('a', 1, 0), ['0.0'], 'expected at 100 ms')
  t.same(h.pick('b', 1, 300), [], 'overdue, but expected by 400 ms at best: still in time')
  t.same(h.pick('b', 1, 450), ['0.0'], 'expected by 550 ms at best; b delivers at 475 ms')
  t.same(h.got('a', '0.0'), ['b'], 'the first copy to arrive wins; the duplicate is cancelled')
})

t.test('duplicates a block already due whose copy is overdue, expecting that copy as late again as it is: a rate limiter may hold it until its next burst', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, webSeeds: ['w'], deadline: '0.', rates: { a: 10, b: 10, w: 10 } })
  t.same(h.pick('a', 1, 0), ['0.0'], 'due now; a is expected to deliver at 100 ms')
  t.same(h.pick('w', 1, 400), [], 'a web seed, the fallback, still expects the copy one block-time from now (500 ms) and delivers no sooner')
  t.same(h.pick('b', 1, 400), ['0.0'], 'overdue by 300 ms, so expected at 700 ms; b delivers at 500 ms')
})

t.test('asks for every unrequested block of the pieces already due before copying any of their late blocks', async t => {
  const h = setup({ have: '00', blocks: '44', peers: { a: '11', b: '11' }, deadline: '00', rates: { a: 40, b: 40 }, random: () => 0 })
  t.same(h.pick('a', 2, 0), ['0.0', '0.1'], 'an opening of two pieces, due now')
  h.sources.get('a')!.rate = 10
  t.same(h.pick('b', 7, 400), ['0.2', '0.3', '1.0', '1.1', '1.2', '1.3', '0.0'],
    "a slowed down: the rest of both pieces first (nobody has asked for it), then a copy of a's block 0, overdue by 300 ms")
})

t.test('judges lateness by the bytes that were queued ahead of the block', async t => {
  const h = setup({ have: '000', blocks: '411', peers: { a: '111', b: '110' }, deadline: '45.', rates: { a: 10, b: 10 } })
  t.same(h.pick('a', 4, 0), ['0.0', '0.1', '0.2', '0.3'])
  t.same(h.pick('b', 1, 0), ['1.0'])
  h.sources.get('a')!.rate = 8
  t.same(h.pick('b', 4, 0), ['0.3'], 'at 8 blocks/s only the fourth block, due at 500 ms, misses 400 ms; b delivers it at 200 ms')
})

t.test('does not duplicate to a peer that would miss the deadline as well', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, deadline: '5.', rates: { a: 1, b: 1 } })
  t.same(h.pick('a', 1, 0), ['0.0'], 'nobody can make it, and b is not clearly faster')
  t.same(h.pick('b', 1, 0), [])
})

t.test('once a deadline has passed, duplicates to a peer clearly sooner than the copy in flight', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, deadline: '1.', rates: { a: 1, b: 10 } })
  h.sources.get('b')!.snubbed = true
  t.same(h.pick('a', 1, 0), ['0.0'], 'the only usable peer takes it, though late')
  h.sources.get('b')!.snubbed = false
  t.same(h.pick('b', 1, 200), ['0.0'], 'a delivers at 1000 ms, b at 300 ms')
})

t.test('counts a block in flight to a peer that became snubbed or gone as late', async t => {
  for (const fate of ['snubbed', 'gone']) {
    const h = setup({ have: '00', peers: { a: '11', b: '10' }, deadline: '5.', rates: { a: 10, b: 10 } })
    t.same(h.pick('a', 1, 0), ['0.0'])
    if (fate === 'snubbed') h.sources.get('a')!.snubbed = true
    else h.sources.delete('a')
    t.same(h.pick('b', 1, 0), ['0.0'], `a is ${fate}`)
  }
})

t.test('never duplicates a late block to a snubbed peer', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, deadline: '5.', rates: { a: 1, b: 10 } })
  h.sources.get('b')!.snubbed = true
  t.same(h.pick('a', 1, 0), ['0.0'])
  t.same(h.pick('b', 1, 0), [])
})

t.test('never judges requests made without a context as late', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, deadline: '5.', rates: { a: 1, b: 10 } })
  t.same(h.next('a', 1), ['0.0'])
  t.same(h.pick('b', 1, 400), [])
})

t.test('with endgameDuplicates 1, never duplicates a late block', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, deadline: '5.', rates: { a: 1, b: 10 }, endgameDuplicates: 1 })
  h.sources.get('b')!.snubbed = true
  t.same(h.pick('a', 1, 0), ['0.0'])
  h.sources.get('b')!.snubbed = false
  t.same(h.pick('b', 1, 0), [])
})
