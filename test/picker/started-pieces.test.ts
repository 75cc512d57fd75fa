import t from 'tap'
import { setup } from './setup.js'

t.test('finishes started pieces before starting new ones', async t => {
  const h = setup({ have: '000', blocks: '444', peers: { a: '111', b: '011', c: '001' } })
  t.same(h.next('a', 2), ['0.0', '0.1'])
  t.same(h.next('b', 3), ['1.0', '1.1', '1.2'], 'b lacks piece 0, so it starts the rarest piece it has')
  t.same(h.next('a', 3), ['0.2', '0.3', '1.3'], 'a finishes 0, then 1, before touching 2')
  t.same(h.next('a', 1), ['2.0'])
})

t.test('prefers a started common piece to a new rare piece', async t => {
  const h = setup({ have: '00', blocks: '44', peers: { a: '11', b: '01' } })
  t.same(h.next('b', 1), ['1.0'])
  t.same(h.next('a', 4), ['1.1', '1.2', '1.3', '0.0'])
})

t.test('ranks started pieces among themselves by rarity', async t => {
  const h = setup({ have: '000', blocks: '333', peers: { a: '111', b: '011', c: '001', d: '001' } })
  t.same(h.next('c', 1), ['2.0'])
  t.same(h.next('b', 3), ['2.1', '2.2', '1.0'])
  h.failed('c', '2.0')
  t.same(h.next('a', 4), ['1.1', '1.2', '2.0', '0.0'], 'started 1 (rarer) before started 2, then the new, rarest piece 0')
})

t.test('never requests a block the client already received', async t => {
  const h = setup({ have: '00', blocks: '44', peers: { a: '11', b: '11', c: '10' } })
  t.same(h.next('a', 4), ['1.0', '1.1', '1.2', '1.3'])
  t.same(h.got('a', '1.0'), [])
  t.same(h.got('a', '1.2'), [])
  h.failed('a', '1.1')
  h.failed('a', '1.3')
  t.same(h.next('b', 3), ['1.1', '1.3', '0.0'])
})

t.test('never requests a block already in flight to another peer', async t => {
  const h = setup({ have: '000', blocks: '333', peers: { a: '111', b: '111', c: '100', d: '001', e: '001' } })
  t.same(h.next('a', 2), ['1.0', '1.1'])
  t.same(h.next('b', 4), ['1.2', '0.0', '0.1', '0.2'])
  t.same(h.next('c', 3), [], 'piece 0 is all in flight to b, and piece 2 is still unrequested, so no endgame')
  t.notOk(h.picker.isEndgame())
})

t.test('a block that arrives unrequested still counts as received and starts its piece', async t => {
  const h = setup({ have: '00', blocks: '23', peers: { a: '11', b: '10' } })
  t.same(h.got('b', '1.1'), [])
  t.same(h.next('a', 4), ['1.0', '1.2', '0.0', '0.1'], 'started piece 1 first, without its received block')
})

t.test('a higher-priority new piece comes before a lower-priority started one', async t => {
  const h = setup({ have: '00', blocks: '33', peers: { a: '11', b: '01' } })
  t.same(h.next('a', 1), ['0.0'])
  h.prioritize('12')
  t.same(h.next('a', 5), ['1.0', '1.1', '1.2', '0.1', '0.2'])
})

t.test('the last, short piece has fewer blocks', async t => {
  const h = setup({ have: '000', blocks: '441', peers: { a: '111', b: '110', c: '100' } })
  t.same(h.next('a', 20), ['2.0', '1.0', '1.1', '1.2', '1.3', '0.0', '0.1', '0.2', '0.3'])
  t.same(h.got('a', '2.0'), [])
  t.same(h.got('a', '2.1'), [], 'a block past the end of the piece is ignored')
  h.verify(2)
  t.same(h.inFlight('a'), ['0.0', '0.1', '0.2', '0.3', '1.0', '1.1', '1.2', '1.3'])
})
