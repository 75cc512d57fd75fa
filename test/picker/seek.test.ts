/**
 * Deadlines that move (a seek): requests made for a deadline that is gone are returned for the
 * engine to cancel, unless their piece is nearly done; the picker then serves the new deadlines.
 */
import t from 'tap'
import { setup } from './setup.js'

t.test('on a seek, returns exactly the stale requests, keeps nearly-done pieces and background work', async t => {
  const h = setup({ have: '0000', blocks: '4444', peers: { a: '1111', b: '0011' }, deadline: '12..', rates: { a: 100, b: 100 }, random: () => 0.5 })
  t.same(h.pick('a', 8, 0), ['0.0', '0.1', '0.2', '0.3', '1.0', '1.1', '1.2', '1.3'])
  t.same(h.pick('b', 2, 0), ['2.0', '2.1'], 'no deadline on the pieces b has')
  for (const block of ['0.0', '0.1', '0.2', '1.0']) h.got('a', block)
  t.same(h.setDeadlines('..12'), ['a 1.1', 'a 1.2', 'a 1.3'], 'piece 0 has 3 of 4 blocks: nearly done')
  t.same(h.inFlight('a'), ['0.3'])
  t.same(h.inFlight('b'), ['2.0', '2.1'])
  t.same(h.pick('a', 8, 0), ['2.2', '2.3', '3.0', '3.1', '3.2', '3.3', '1.1', '1.2'], 'the new deadlines first, then the old pieces as background')
})

t.test('returns every copy of a stale block, duplicates included', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '10' }, deadline: '5.', rates: { a: 10, b: 10 } })
  t.same(h.pick('a', 1, 0), ['0.0'])
  h.sources.get('a')!.rate = 1
  t.same(h.pick('b', 1, 100), ['0.0'])
  t.same(h.setDeadlines('.5', 100), ['a 0.0', 'b 0.0'])
  t.same(h.inFlight('a'), [])
  t.same(h.inFlight('b'), [])
  t.same(h.pick('a', 1, 100), ['1.0'], 'the new deadline first')
  t.same(h.pick('b', 1, 100), ['0.0'], 'piece 0 is background work now')
})

t.test('returns nothing when every piece keeps a deadline, however it moved', async t => {
  const h = setup({ have: '000', blocks: '222', peers: { a: '111' }, deadline: '12.', rates: { a: 10 } })
  t.same(h.pick('a', 4, 0), ['0.0', '0.1', '1.0', '1.1'])
  t.same(h.setDeadlines('921'), [])
  t.same(h.pick('a', 4, 0), ['2.0', '2.1'], 'piece 2 now comes first among new pieces')
})

t.test('keeps requests made before their piece had a deadline', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11' }, rates: { a: 10 }, random: () => 0.5 })
  t.same(h.pick('a', 2, 0), ['0.0', '0.1'])
  t.same(h.setDeadlines('1.'), [])
  t.same(h.setDeadlines('..'), [], 'the requests for piece 0 were never urgent')
  t.same(h.inFlight('a'), ['0.0', '0.1'])
})

t.test('counts received blocks, not blocks in flight, toward nearly done', async t => {
  const h = setup({ have: '0', blocks: '4', peers: { a: '1' }, deadline: '5', rates: { a: 10 } })
  t.same(h.pick('a', 4, 0), ['0.0', '0.1', '0.2', '0.3'])
  h.got('a', '0.0')
  h.got('a', '0.1')
  t.same(h.setDeadlines('.'), ['a 0.2', 'a 0.3'], 'two of four received is not nearly done')
})

t.test('a seek also reorders what is requested without a context', async t => {
  const h = setup({ have: '000', peers: { a: '111', b: '011', c: '001' }, deadline: '1..' })
  t.same(h.setDeadlines('..1'), [])
  t.same(h.next('a', 3), ['2.0', '0.0', '1.0'])
})

t.test('keeps requests for pieces raised above the default priority: they are wanted soon anyway', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11' }, priority: '21', deadline: '12', rates: { a: 10 } })
  t.same(h.pick('a', 4, 0), ['0.0', '0.1', '1.0', '1.1'])
  t.same(h.setDeadlines('..'), ['a 1.0', 'a 1.1'], 'piece 1 is ordinary background work now; piece 0 is a title opening fetched ahead')
  t.same(h.inFlight('a'), ['0.0', '0.1'])
})
