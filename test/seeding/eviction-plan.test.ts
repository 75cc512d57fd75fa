import t from 'tap'
import { capBytesOf, planEviction, type StoredTitle } from '../../src/seeding/index.js'

const GB = 1_000_000_000
/** A title named by one letter; `watched` is the epoch ms of its last playback. */
const title = (name: string, bytes: number, extra: Partial<StoredTitle> = {}): StoredTitle => ({
  infoHash: name.repeat(40), bytes, complete: true, lastWatchedAt: undefined, playing: false, protected: false, ...extra
})

t.test('under the cap nothing is evicted', async t => {
  t.same(planEviction({ capBytes: 10 * GB, usedBytes: 10 * GB, titles: [title('a', 10 * GB)] }), { evict: [], freedBytes: 0, shortBy: 0 })
})

t.test('evicts least recently watched first, and only as many as needed', async t => {
  const titles = [
    title('a', 3 * GB, { lastWatchedAt: 300 }),
    title('b', 2 * GB, { lastWatchedAt: 100 }),
    title('c', 4 * GB, { lastWatchedAt: 200 }),
    title('d', 1 * GB, { lastWatchedAt: 400 })
  ]
  const plan = planEviction({ capBytes: 5 * GB, usedBytes: 10 * GB, titles })
  t.same(plan, { evict: ['b'.repeat(40), 'c'.repeat(40)], freedBytes: 6 * GB, shortBy: 0 }, 'b (oldest) then c; a and d are kept')
})

t.test('a never-watched title goes before any watched one; ties go to the larger, then by info hash', async t => {
  const titles = [
    title('a', 1 * GB, { lastWatchedAt: 1 }),
    title('c', 1 * GB),
    title('b', 1 * GB),
    title('d', 2 * GB)
  ]
  const plan = planEviction({ capBytes: 0, usedBytes: 5 * GB, titles })
  t.same(plan.evict, ['d', 'b', 'c', 'a'].map(x => x.repeat(40)))
})

t.test('never evicts the title playing, a protected rental, or an incomplete title', async t => {
  const titles = [
    title('a', 5 * GB, { lastWatchedAt: 1, playing: true }),
    title('b', 5 * GB, { protected: true }),
    title('c', 5 * GB, { complete: false }),
    title('d', 2 * GB, { lastWatchedAt: 5 })
  ]
  const plan = planEviction({ capBytes: 10 * GB, usedBytes: 17 * GB, titles })
  t.same(plan, { evict: ['d'.repeat(40)], freedBytes: 2 * GB, shortBy: 5 * GB }, 'only d may go, and the dir stays 5 GB over')
})

t.test('a watched rental (not protected any more) is an ordinary candidate', async t => {
  const plan = planEviction({ capBytes: 1 * GB, usedBytes: 2 * GB, titles: [title('a', 2 * GB, { lastWatchedAt: 10, protected: false })] })
  t.same(plan.evict, ['a'.repeat(40)])
})

t.test('usage beyond the titles (caches) counts towards the cap', async t => {
  const plan = planEviction({ capBytes: 4 * GB, usedBytes: 6 * GB, titles: [title('a', 1 * GB, { lastWatchedAt: 1 }), title('b', 1 * GB, { lastWatchedAt: 2 })] })
  t.same(plan, { evict: ['a'.repeat(40), 'b'.repeat(40)], freedBytes: 2 * GB, shortBy: 0 })
})

t.test('a cap in percent is of the filesystem size', async t => {
  t.equal(capBytesOf({ percent: 90 }, 1000), 900)
  t.equal(capBytesOf({ percent: 12.5 }, 1001), 125)
  t.equal(capBytesOf({ bytes: 77 }, 1000), 77)
})
