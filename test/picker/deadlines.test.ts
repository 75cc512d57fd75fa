/**
 * Deadlines in the ranking and the placement of urgent blocks: each goes to a source expected to
 * deliver it in time. Deadline digits are 100 ms; rates are blocks per second (setup.ts).
 */
import t from 'tap'
import { setup, type Fixture } from './setup.js'

// Peer a has everything; b, c and d make piece 0 the rarest and piece 3 the commonest.
const peers = { a: '1111', b: '0111', c: '0011', d: '0001' }

interface OrderCase { name: string, fixture: Fixture, picks: string[] }

const orders: OrderCase[] = [
  { name: 'serves pieces with deadlines first, earliest deadline first', fixture: { have: '0000', peers, deadline: '.3.1' }, picks: ['3.0', '1.0', '0.0', '2.0'] },
  { name: 'ranks a deadline before priority', fixture: { have: '0000', peers, deadline: '...1', priority: '1191' }, picks: ['3.0', '2.0', '0.0', '1.0'] },
  { name: 'keeps rarest first among pieces without deadlines', fixture: { have: '0000', peers, deadline: '..1.' }, picks: ['2.0', '0.0', '1.0', '3.0'] },
  { name: 'keeps rarest first when no piece has a deadline', fixture: { have: '0000', peers, deadline: '....' }, picks: ['0.0', '1.0', '2.0', '3.0'] },
  { name: 'fetches a piece with a deadline even when its file is deselected', fixture: { have: '0000', peers, deadline: '.1..', priority: '1011' }, picks: ['1.0', '0.0', '2.0', '3.0'] }
]

for (const c of orders) {
  t.test(`${c.name}, with or without a context`, async t => {
    t.same(setup(c.fixture).next('a', 4), c.picks, 'next without a context')
    t.same(setup({ ...c.fixture, rates: { a: 10 } }).pick('a', 4, 0), c.picks, 'next with a context in which a meets every deadline')
  })
}

t.test('gives an urgent piece to the fastest peer: a slow peer asking first gets a piece without a deadline', async t => {
  const h = setup({ have: '00', peers: { slow: '11', fast: '11' }, deadline: '2.', rates: { slow: 2, fast: 10 } })
  t.same(h.pick('slow', 2, 0), ['1.0'], 'slow would deliver at 500 ms for a 200 ms deadline; fast at 100 ms')
  t.same(h.pick('fast', 1, 0), ['0.0'])
})

t.test('gives a slow peer nothing when every piece it could take is urgent and a faster peer has it', async t => {
  const h = setup({ have: '0', peers: { slow: '1', fast: '1' }, deadline: '2', rates: { slow: 2, fast: 10 } })
  t.same(h.pick('slow', 4, 0), [])
  t.same(h.pick('fast', 4, 0), ['0.0'])
})

t.test('gives a slow peer an urgent piece when no peer with the piece is clearly faster', async t => {
  const h = setup({ have: '0', peers: { slow: '1', other: '1', fast: '0' }, deadline: '2', rates: { slow: 2, other: 3, fast: 100 } })
  t.same(h.pick('slow', 1, 0), ['0.0'], 'other misses too and is not 1.5 times sooner; fast lacks the piece')
})

t.test('gives urgent pieces to peers of unknown rate when no rate is known', async t => {
  const h = setup({ have: '0', peers: { a: '1', b: '1' }, deadline: '2' })
  t.same(h.pick('a', 1, 0), ['0.0'])
})

t.test('spreads the blocks of one urgent piece over two fast peers', async t => {
  const h = setup({ have: '00', blocks: '42', peers: { a: '11', b: '11' }, deadline: '3.', rates: { a: 10, b: 10 } })
  t.same(h.pick('a', 4, 0), ['0.0', '0.1', '0.2', '1.0'], 'a would deliver 0.3 at 400 ms, after the deadline, and b at 100 ms')
  t.same(h.pick('b', 2, 0), ['0.3', '1.1'])
  t.same(h.inFlight('a'), ['0.0', '0.1', '0.2', '1.0'])
  t.same(h.inFlight('b'), ['0.3', '1.1'])
})

t.test('shares blocks that are all due now (an opening, a seek) among the peers, as far as the swarm together would reach', async t => {
  const h = setup({ have: '00', blocks: '81', seeds: ['a', 'b', 'c', 'd'], deadline: '0.', rates: { a: 10, b: 10, c: 10, d: 10 } })
  // 8 blocks at 40 blocks/s together: the swarm is through them at 200 ms.
  t.same(h.pick('a', 8, 0), ['0.0', '0.1'], 'a takes the two it delivers by 200 ms, though each is late; its third would come at 300 ms while others are idle')
  t.same(h.pick('b', 8, 0), ['0.2', '0.3'])
  t.same(h.pick('c', 8, 0), ['0.4', '0.5'])
  t.same(h.pick('d', 2, 0), ['0.6', '0.7'], 'everyone delivers their share by 200 ms')
})

t.test('shares blocks due now in proportion to the peers\' rates', async t => {
  const h = setup({ have: '00', blocks: '81', seeds: ['fast', 'slow'], deadline: '0.', rates: { fast: 30, slow: 10 } })
  t.same(h.pick('slow', 8, 0), ['0.0', '0.1'], 'the swarm is through 8 blocks at 200 ms; slow delivers two by then')
  t.same(h.pick('fast', 7, 0), ['0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '1.0'], 'fast delivers the other six by 200 ms, then has room for background work')
})

t.test('a peer refused a block that is due now takes no work without a deadline: its queue stays free for the next one', async t => {
  const h = setup({ have: '00', blocks: '41', seeds: ['slow', 'fast'], deadline: '0.', rates: { slow: 1, fast: 100 } })
  t.same(h.pick('slow', 4, 0), [], 'fast delivers every block of piece 0 long before slow\'s first; piece 1 waits')
  t.same(h.pick('fast', 2, 0), ['0.0', '0.1'])
  t.same(h.pick('slow', 4, 0), [], 'two blocks due now are still unrequested and fast is clearly sooner')
  t.same(h.pick('fast', 2, 0), ['0.2', '0.3'])
  t.same(h.pick('slow', 1, 0), ['1.0'], 'nothing due now is left unrequested: background work again')
})

t.test('a peer refused a block due later still takes work without a deadline', async t => {
  const h = setup({ have: '00', blocks: '41', seeds: ['slow', 'fast'], deadline: '1.', rates: { slow: 1, fast: 100 } })
  t.same(h.pick('slow', 4, 0), ['1.0'], 'piece 0 is due at 100 ms, not yet: slow may keep busy')
})

t.test('counts what is already queued to a peer in its ETA', async t => {
  const h = setup({ have: '000', peers: { a: '111', b: '011' }, deadline: '.2.', rates: { a: 10, b: 10 } })
  t.same(h.pick('b', 2, 0), ['1.0', '2.0'])
  h.sources.get('b')!.rate = 5
  h.failed('b', '1.0')
  t.same(h.pick('b', 1, 0), [], 'b, one block queued at 5 blocks/s, would deliver at 400 ms; a at 100 ms')
  t.same(h.pick('a', 1, 0), ['1.0'])
})

t.test('gives a snubbed peer no urgent piece, even when nobody else has it', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '01' }, deadline: '5.', rates: { a: 100, b: 10 }, snubbed: ['a'] })
  t.same(h.pick('a', 2, 0), ['1.0'])
  t.same(h.inFlight('a'), ['1.0'])
})

t.test('without a context, ignores rates and snubs: deadlines only order the pieces', async t => {
  const h = setup({ have: '00', peers: { slow: '11', fast: '11' }, deadline: '2.', rates: { slow: 2, fast: 10 }, snubbed: ['slow'] })
  t.same(h.next('slow', 2), ['0.0', '1.0'])
})

t.test('gives a stranger nothing, with or without a context', async t => {
  const h = setup({ have: '0', peers: { a: '1' }, deadline: '1', rates: { a: 10 } })
  t.same(h.pick('stranger', 1, 0), [])
  t.same(h.next('stranger', 1), [])
})

t.test('in endgame with deadlines, duplicates in deadline order and cancels the loser', async t => {
  const h = setup({ have: '00', blocks: '22', peers: { a: '11', b: '11' }, webSeeds: ['w'], deadline: '65', rates: { a: 10, b: 10, w: 10 } })
  t.same(h.pick('a', 4, 0), ['1.0', '1.1', '0.0', '0.1'])
  t.ok(h.picker.isEndgame())
  t.same(h.pick('b', 4, 0), ['1.0', '1.1', '0.0', '0.1'], 'nothing is late, so these are endgame duplicates')
  t.same(h.pick('w', 4, 0), [], 'a web seed never gets endgame duplicates')
  t.same(h.got('b', '1.0'), ['a'])
  t.same(h.inFlight('a'), ['0.0', '0.1', '1.1'])
})

t.test('assumes a peer not measured yet runs at the measured peers\' mean rate, so it shares an urgent piece', async t => {
  const h = setup({ have: '00', blocks: '42', peers: { a: '11', b: '11' }, deadline: '3.', rates: { a: 10 } })
  t.same(h.pick('a', 4, 0), ['0.0', '0.1', '0.2', '1.0'], 'b, assumed at 10 blocks/s, would deliver 0.3 at 100 ms; a at 400 ms')
  t.same(h.pick('b', 2, 0), ['0.3', '1.1'])
})

t.test('assumes a peer in its first second at least as fast as the settled peers\' mean: its rate so far is a lower bound', async t => {
  const fixture = { have: '00', peers: { early: '11', settled: '11' }, deadline: '3.', rates: { early: 2, settled: 10 } }
  t.same(setup(fixture).pick('early', 1, 0), ['1.0'], 'settled at 2 blocks/s it would deliver at 500 ms for a 300 ms deadline')
  t.same(setup({ ...fixture, lowerBound: ['early'] }).pick('early', 1, 0), ['0.0'], 'in its first second it counts at 10 blocks/s: 100 ms')
})

t.test('in a swarm\'s first second, assumes each peer at least as fast as the highest lower bound', async t => {
  const h = setup({ have: '00', peers: { a: '11', b: '11' }, deadline: '3.', rates: { a: 2, b: 10 }, lowerBound: ['a', 'b'] })
  t.same(h.pick('a', 1, 0), ['0.0'], 'a counts at b\'s 10 blocks/s, not its own 2')
})

t.test('never assumes a rate for a web seed: it stays the fallback', async t => {
  const h = setup({ have: '0', blocks: '2', peers: { a: '1' }, webSeeds: ['w'], deadline: '5', rates: { a: 10 } })
  t.same(h.pick('w', 2, 0), [], 'a meets the deadline; the web seed of unknown rate gets nothing')
})
