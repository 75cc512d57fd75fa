import t from 'tap'
import { setup, type Fixture } from './setup.js'

interface PickCase { name: string, fixture: Fixture, peer: string, max: number, picks: string[] }

const cases: PickCase[] = [
  {
    name: 'gives a peer the rarest piece it has first',
    fixture: { have: '0000', peers: { a: '1111', b: '0111', c: '0011', d: '0001' } },
    peer: 'a',
    max: 4,
    picks: ['0.0', '1.0', '2.0', '3.0']
  },
  {
    name: 'orders by rarity whatever the piece index',
    fixture: { have: '0000', peers: { a: '1111', b: '1110', c: '1100', d: '1000' } },
    peer: 'a',
    max: 4,
    picks: ['3.0', '2.0', '1.0', '0.0']
  },
  {
    name: 'never asks a peer for a piece it lacks',
    fixture: { have: '0000', peers: { a: '1111', b: '0111', c: '0011', d: '0001' } },
    peer: 'b',
    max: 4,
    picks: ['1.0', '2.0', '3.0']
  },
  {
    name: 'skips pieces the client already has',
    fixture: { have: '1010', peers: { a: '1111', b: '0111', c: '0011', d: '0001' } },
    peer: 'a',
    max: 4,
    picks: ['1.0', '3.0']
  },
  {
    name: 'stops at the number of requests asked for',
    fixture: { have: '0000', peers: { a: '1111', b: '0111', c: '0011', d: '0001' } },
    peer: 'a',
    max: 2,
    picks: ['0.0', '1.0']
  },
  {
    name: 'hands out every block of a piece in order before the next piece',
    fixture: { have: '000', blocks: '332', peers: { a: '111', b: '011', c: '001' } },
    peer: 'a',
    max: 8,
    picks: ['0.0', '0.1', '0.2', '1.0', '1.1', '1.2', '2.0', '2.1']
  },
  {
    name: 'counts peers with every piece toward availability of all pieces alike',
    fixture: { have: '000', peers: { a: '111', b: '011', c: '001' }, seeds: ['s', 't'] },
    peer: 's',
    max: 3,
    picks: ['0.0', '1.0', '2.0']
  },
  {
    name: 'gives nothing to a peer with nothing the client needs',
    fixture: { have: '110', peers: { a: '110' } },
    peer: 'a',
    max: 3,
    picks: []
  },
  {
    name: 'gives nothing to a peer it has never heard from',
    fixture: { have: '000', peers: { a: '111' } },
    peer: 'stranger',
    max: 3,
    picks: []
  },
  {
    name: 'gives nothing when asked for no requests',
    fixture: { have: '000', peers: { a: '111' } },
    peer: 'a',
    max: 0,
    picks: []
  }
]

for (const c of cases) {
  t.test(c.name, async t => {
    const h = setup(c.fixture)
    t.same(h.next(c.peer, c.max), c.picks)
    t.same(h.inFlight(c.peer), [...c.picks].sort())
  })
}

t.test('availability counts bitfields, haves and peers with every piece', async t => {
  const h = setup({ have: '0000', peers: { a: '1100', b: '0100' }, seeds: ['s'] })
  t.same([0, 1, 2, 3].map(p => h.picker.availability(p)), [2, 3, 1, 1])
  h.picker.onGotHave('b', 3)
  h.picker.onGotHave('b', 3)
  h.picker.onGotHave('c', 2)
  t.same([0, 1, 2, 3].map(p => h.picker.availability(p)), [2, 3, 2, 2])
  t.ok(h.picker.peerHas('c', 2))
  t.notOk(h.picker.peerHas('c', 1))
  t.ok(h.picker.peerHas('s', 3))
})

t.test('a new bitfield replaces what was known of the peer', async t => {
  const h = setup({ have: '0000', peers: { a: '1100' } })
  h.picker.onPeerBitfield('a', piece => piece >= 2)
  t.same([0, 1, 2, 3].map(p => h.picker.availability(p)), [0, 0, 1, 1])
  h.picker.onPeerHaveAll('a')
  t.same([0, 1, 2, 3].map(p => h.picker.availability(p)), [1, 1, 1, 1])
  h.picker.onPeerBitfield('a', piece => piece === 1)
  t.same([0, 1, 2, 3].map(p => h.picker.availability(p)), [0, 1, 0, 0])
  t.same(h.next('a', 4), ['1.0'])
})

t.test('a HAVE for a piece outside the torrent is ignored', async t => {
  const h = setup({ have: '00', peers: { a: '00' } })
  h.picker.onGotHave('a', 2)
  h.picker.onGotHave('a', -1)
  h.picker.onGotHave('a', 0.5)
  t.same([0, 1].map(p => h.picker.availability(p)), [0, 0])
  t.same(h.next('a', 4), [])
})

t.test('a HAVE makes a piece newly common and reorders the picks', async t => {
  const h = setup({ have: '000', peers: { a: '111', b: '011', c: '001' } })
  h.picker.onGotHave('b', 0)
  h.picker.onGotHave('c', 0)
  h.picker.onGotHave('d', 0)
  t.same(h.next('a', 3), ['1.0', '2.0', '0.0'])
})

t.test('breaks ties between equally rare pieces at random, never picking a commoner piece', async t => {
  const firsts = new Set<string>()
  for (let seed = 0; seed < 200; seed++) {
    const h = setup({ have: '000000', peers: { a: '111111', b: '110000', c: '100000' }, seed })
    const [first] = h.next('a', 1)
    t.ok(first !== undefined && ['2.0', '3.0', '4.0', '5.0'].includes(first), `seed ${seed} picked ${first}`)
    if (first !== undefined) firsts.add(first)
  }
  t.same([...firsts].sort(), ['2.0', '3.0', '4.0', '5.0'], 'every tied piece comes first for some seed')
})

t.test('keeps the tie order stable until availability changes', async t => {
  for (let seed = 0; seed < 20; seed++) {
    const h = setup({ have: '00000', peers: { a: '11111', b: '11111' }, seed })
    const order = h.next('a', 5)
    for (const block of order) h.failed('a', block)
    t.same(h.next('b', 5), order, `seed ${seed}: another peer sees the same order`)
  }
})

t.test('the same seed and events give the same picks', async t => {
  const run = (): string[] => {
    const h = setup({ have: '00000000', peers: { a: '11111111', b: '10101010' }, seed: 7 })
    h.picker.onGotHave('b', 1)
    return [...h.next('a', 3), ...h.next('b', 3)]
  }
  t.same(run(), run())
})
