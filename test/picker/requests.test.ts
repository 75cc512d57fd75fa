import t from 'tap'
import { setup } from './setup.js'

t.test('a failed request makes the block requestable again, to any peer', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11', b: '11', c: '10' } })
  t.same(h.next('a', 2), ['1.0', '1.1'])
  h.failed('a', '1.0')
  t.same(h.inFlight('a'), ['1.1'])
  t.same(h.next('b', 2), ['1.0', '0.0'])
})

t.test('a failure reported for a block not in flight to that peer changes nothing', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11', b: '11', c: '10' } })
  t.same(h.next('a', 1), ['1.0'])
  h.failed('b', '1.0')
  h.failed('a', '0.0')
  h.failed('a', '7.0')
  t.same(h.inFlight('a'), ['1.0'])
  t.same(h.next('b', 2), ['1.1', '0.0'])
})

t.test('a piece whose requests all failed is new again and ranked as such', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11', b: '01' } })
  t.same(h.next('b', 1), ['1.0'])
  h.failed('b', '1.0')
  t.same(h.next('a', 4), ['0.0', '0.1', '1.0', '1.1'], 'the rarer piece 0 first: piece 1 is no longer started')
})

t.test('a peer that leaves frees its blocks and lowers availability', async t => {
  const h = setup({ have: '000', blocks: '222', peers: { a: '111', b: '011', c: '001' } })
  t.same(h.next('a', 3), ['0.0', '0.1', '1.0'])
  t.same(h.got('a', '0.0'), [])
  h.picker.onPeerGone('a')
  t.same(h.inFlight('a'), [])
  t.same([0, 1, 2].map(p => h.picker.availability(p)), [0, 1, 2])
  t.notOk(h.picker.peerHas('a', 0))
  t.same(h.next('b', 4), ['1.0', '1.1', '2.0', '2.1'], 'piece 0 is out of reach; piece 1 comes back as new')
  t.same(h.next('a', 4), [], 'a peer that left is a stranger')
})

t.test('a peer that leaves keeps its received blocks received', async t => {
  const h = setup({ have: '0', blocks: '3', peers: { a: '1', b: '1' } })
  t.same(h.next('a', 3), ['0.0', '0.1', '0.2'])
  h.got('a', '0.1')
  h.picker.onPeerGone('a')
  t.same(h.next('b', 3), ['0.0', '0.2'])
})

t.test('a peer with every piece that leaves lowers every availability', async t => {
  const h = setup({ have: '00', peers: { a: '01' }, seeds: ['s'] })
  t.same(h.next('s', 1), ['0.0'])
  h.picker.onPeerGone('s')
  t.same([0, 1].map(p => h.picker.availability(p)), [0, 1])
  t.same(h.next('a', 2), ['1.0'])
})

t.test('a piece that fails its hash check is requested again in full', async t => {
  const h = setup({ have: '00', blocks: '32', peers: { a: '11', b: '10' } })
  t.same(h.next('a', 3), ['1.0', '1.1', '0.0'])
  h.got('a', '1.0')
  h.got('a', '1.1')
  h.picker.onPieceFailed(1)
  t.same(h.inFlight('a'), ['0.0'])
  t.same(h.next('a', 4), ['0.1', '0.2', '1.0', '1.1'], 'started piece 0 first, then all of piece 1 again')
})

t.test('a verified piece is never requested again', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11', b: '10' } })
  t.same(h.next('a', 2), ['1.0', '1.1'])
  h.got('a', '1.0')
  h.got('a', '1.1')
  h.verify(1)
  t.same(h.got('b', '1.0'), [], 'a late copy of a verified block is ignored')
  t.same(h.next('a', 4), ['0.0', '0.1'])
})

t.test('a stored piece that is lost is needed again', async t => {
  const h = setup({ have: '10', peers: { a: '11' } })
  t.same(h.next('a', 2), ['1.0'])
  h.mediator.have.delete(0)
  h.picker.onPieceFailed(0)
  t.same(h.next('a', 2), ['0.0'])
})

t.test('lists what is in flight to each peer', async t => {
  const h = setup({ have: '000', blocks: '212', peers: { a: '111', b: '011', c: '001' } })
  t.same(h.next('a', 2), ['0.0', '0.1'])
  t.same(h.next('b', 2), ['1.0', '2.0'])
  t.same(h.inFlight('a'), ['0.0', '0.1'])
  t.same(h.inFlight('b'), ['1.0', '2.0'])
  t.same(h.inFlight('nobody'), [])
})
