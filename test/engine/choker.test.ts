import t from 'tap'
import { decideChokes, type ChokeCandidate } from '../../src/engine/choker.js'

const peer = (id: string, downloadRate: number, uploadRate = 0, interested = true): ChokeCandidate => ({ id, interested, downloadRate, uploadRate })
const fresh = { optimistic: undefined, optimisticSince: 0 }

t.test('while downloading, unchokes the peers that give us the most, plus one optimistic peer', async t => {
  const peers = [peer('a', 10), peer('b', 50), peer('c', 30), peer('d', 5), peer('e', 1)]
  const { unchoke, state } = decideChokes(peers, fresh, { slots: 2, seeding: false, now: 1000, random: () => 0, optimisticPeriodMs: 30_000 })
  t.same([...unchoke].sort(), ['a', 'b', 'c'])
  t.equal(state.optimistic, 'a', 'the optimistic slot went to a peer outside the regular slots')
})

t.test('while seeding, ranks peers by what we upload to them', async t => {
  const peers = [peer('a', 0, 5), peer('b', 0, 50), peer('c', 0, 30)]
  const { unchoke } = decideChokes(peers, fresh, { slots: 2, seeding: true, now: 0, random: () => 0.99, optimisticPeriodMs: 30_000 })
  t.same([...unchoke].sort(), ['a', 'b', 'c'])
})

t.test('never unchokes a peer that is not interested', async t => {
  const peers = [peer('a', 100, 0, false), peer('b', 1)]
  const { unchoke } = decideChokes(peers, fresh, { slots: 4, seeding: false, now: 0, random: () => 0, optimisticPeriodMs: 30_000 })
  t.same([...unchoke], ['b'])
})

t.test('keeps the optimistic peer for its whole period, then rotates', async t => {
  const peers = [peer('a', 100), peer('x', 0), peer('y', 0)]
  const init = { slots: 1, seeding: false, random: () => 0, optimisticPeriodMs: 30_000 }
  const first = decideChokes(peers, fresh, { ...init, now: 0 })
  t.equal(first.state.optimistic, 'x')
  const still = decideChokes(peers, first.state, { ...init, now: 29_999, random: () => 0.99 })
  t.equal(still.state.optimistic, 'x', 'kept within the period')
  const rotated = decideChokes(peers, still.state, { ...init, now: 30_000, random: () => 0.99 })
  t.equal(rotated.state.optimistic, 'y', 'rotated after the period')
  t.ok(rotated.unchoke.has('y') && !rotated.unchoke.has('x'))
})
