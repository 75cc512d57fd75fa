import t from 'tap'
import { setup, type Fixture } from './setup.js'

interface PriorityCase { name: string, fixture: Fixture, picks: string[] }

// Peer a has everything; b, c and d make piece 0 the rarest and piece 3 the commonest.
const peers = { a: '1111', b: '0111', c: '0011', d: '0001' }

const cases: PriorityCase[] = [
  { name: 'with equal priorities, picks by rarity', fixture: { have: '0000', peers, priority: '1111' }, picks: ['0.0', '1.0', '2.0', '3.0'] },
  { name: 'never requests a piece whose file is deselected', fixture: { have: '0000', peers, priority: '1010' }, picks: ['0.0', '2.0'] },
  { name: 'asks for nothing when every file is deselected', fixture: { have: '0000', peers, priority: '0000' }, picks: [] },
  { name: 'picks higher priority first, rarity only within a priority', fixture: { have: '0000', peers, priority: '1213' }, picks: ['3.0', '1.0', '0.0', '2.0'] },
  { name: 'orders several priority levels', fixture: { have: '0000', peers, priority: '1234' }, picks: ['3.0', '2.0', '1.0', '0.0'] },
  { name: 'skips pieces it has even when they are most important', fixture: { have: '0001', peers, priority: '1119' }, picks: ['0.0', '1.0', '2.0'] }
]

for (const c of cases) {
  t.test(c.name, async t => {
    const h = setup(c.fixture)
    t.same(h.next('a', 8), c.picks)
  })
}

t.test('deselecting a started piece stops its remaining blocks but accepts those in flight', async t => {
  const h = setup({ have: '00', blocks: '44', peers: { a: '11', b: '01' } })
  t.same(h.next('a', 2), ['0.0', '0.1'])
  h.prioritize('01')
  t.same(h.next('a', 8), ['1.0', '1.1', '1.2', '1.3'])
  t.same(h.got('a', '0.0'), [])
  t.same(h.inFlight('a'), ['0.1', '1.0', '1.1', '1.2', '1.3'])
})

t.test('selecting a file again makes its pieces requestable', async t => {
  const h = setup({ have: '000', peers: { a: '111', b: '011', c: '001' }, priority: '000' })
  t.same(h.next('a', 3), [])
  h.prioritize('101')
  t.same(h.next('a', 3), ['0.0', '2.0'])
  h.prioritize('111')
  t.same(h.next('a', 3), ['1.0'])
})

t.test('a deselected piece does not hold back endgame', async t => {
  const h = setup({ have: '00', blocks: '11', peers: { a: '11', b: '11' }, priority: '10' })
  t.same(h.next('a', 4), ['0.0'])
  t.ok(h.picker.isEndgame())
  t.same(h.next('b', 4), ['0.0'])
})
