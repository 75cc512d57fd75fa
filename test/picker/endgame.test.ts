import t from 'tap'
import { PiecePicker } from '../../src/picker/index.js'
import { MapMediator, seededRandom, setup } from './setup.js'

t.test('enters endgame only when every wanted missing block is received or in flight', async t => {
  const h = setup({ have: '000', blocks: '222', peers: { a: '111', b: '111', c: '011', d: '001' } })
  t.notOk(h.picker.isEndgame(), 'nothing in flight yet')
  t.same(h.next('a', 4), ['0.0', '0.1', '1.0', '1.1'])
  t.notOk(h.picker.isEndgame(), 'piece 2 is untouched')
  t.same(h.next('b', 1), ['2.0'])
  t.notOk(h.picker.isEndgame(), 'block 2.1 is unrequested')
  t.same(h.next('b', 1), ['2.1'])
  t.ok(h.picker.isEndgame())
})

t.test('in endgame, hands other peers in-flight blocks, at most twice each by default', async t => {
  const h = setup({ have: '000', blocks: '222', peers: { a: '111', b: '111', c: '011', d: '001' } })
  t.same(h.next('a', 4), ['0.0', '0.1', '1.0', '1.1'])
  t.same(h.next('b', 2), ['2.0', '2.1'])
  t.same(h.next('c', 10), ['1.0', '1.1', '2.0', '2.1'], 'c lacks piece 0; takes the rest in rank order')
  t.same(h.next('d', 10), [], 'every block of piece 2 is already requested twice')
  t.same(h.next('b', 10), ['0.0', '0.1'])
  t.same(h.next('a', 10), [], 'never the same block twice to one peer')
})

t.test('in endgame, duplicates the least-requested blocks first, up to the cap', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11', b: '11', c: '11', d: '01' }, endgameDuplicates: 3 })
  t.same(h.next('a', 4), ['0.0', '0.1', '1.0', '1.1'])
  t.same(h.next('b', 2), ['0.0', '0.1'])
  t.same(h.next('c', 4), ['1.0', '1.1', '0.0', '0.1'], 'blocks in flight once before blocks in flight twice')
  t.same(h.next('d', 4), ['1.0', '1.1'])
  t.same(h.next('b', 4), [], 'every block b lacks is in flight three times')
})

t.test('a block that arrives in endgame names the other peers to cancel', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11', b: '11', c: '11', d: '01' }, endgameDuplicates: 3 })
  t.same(h.next('a', 4), ['0.0', '0.1', '1.0', '1.1'])
  t.same(h.next('c', 4), ['0.0', '0.1', '1.0', '1.1'])
  t.same(h.next('d', 4), ['1.0', '1.1'])
  t.same(h.got('c', '1.0'), ['a', 'd'])
  t.same(h.inFlight('a'), ['0.0', '0.1', '1.1'])
  t.same(h.inFlight('d'), ['1.1'])
  t.same(h.got('a', '1.0'), [], 'a late copy cancels nothing')
  t.same(h.got('b', '1.1'), ['a', 'c', 'd'], 'an unrequested copy cancels every request')
})

t.test('a block that arrives outside endgame cancels nothing', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11', b: '11', c: '10' } })
  t.same(h.next('a', 1), ['1.0'])
  t.same(h.got('a', '1.0'), [])
})

t.test('leaves endgame when a hash failure makes blocks needed again', async t => {
  const h = setup({ have: '0', blocks: '2', peers: { a: '1', b: '1' } })
  t.same(h.next('a', 2), ['0.0', '0.1'])
  t.same(h.next('b', 2), ['0.0', '0.1'])
  t.same(h.got('a', '0.0'), ['b'])
  t.same(h.got('b', '0.1'), ['a'])
  t.notOk(h.picker.isEndgame(), 'nothing left in flight')
  h.picker.onPieceFailed(0)
  t.notOk(h.picker.isEndgame())
  t.same(h.next('b', 1), ['0.0'])
  t.same(h.next('a', 4), ['0.1', '0.0'], 'the last fresh block, then, now in endgame, a duplicate')
  t.ok(h.picker.isEndgame())
})

t.test('is not in endgame once everything is verified', async t => {
  const h = setup({ have: '0', peers: { a: '1' } })
  h.next('a', 1)
  h.got('a', '0.0')
  h.verify(0)
  t.notOk(h.picker.isEndgame())
  t.same(h.next('a', 1), [])
})

t.test('with endgameDuplicates 1, never duplicates a request', async t => {
  const h = setup({ have: '0', blocks: '2', peers: { a: '1', b: '1' }, endgameDuplicates: 1 })
  t.same(h.next('a', 2), ['0.0', '0.1'])
  t.ok(h.picker.isEndgame())
  t.same(h.next('b', 2), [])
})

t.test('rejects an endgame cap that is not a positive integer', async t => {
  const mediator = new MapMediator({ have: '0' })
  for (const endgameDuplicates of [0, -1, 1.5, Number.NaN]) {
    t.throws(() => new PiecePicker({ mediator, random: seededRandom(1), endgameDuplicates }), RangeError)
  }
})
