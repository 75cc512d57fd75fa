import t from 'tap'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { silentLogger } from '../../src/log.js'
import { ShareAccounting } from '../../src/seeding/index.js'
import { tempDir } from '../helpers/fixtures.js'
import type { TapTest } from '../helpers/tap-types.js'

const HASH_A = 'a'.repeat(40)
const HASH_B = 'b'.repeat(40)
const local = (month: number, day: number, hh = 12, mm = 0): number => new Date(2026, month - 1, day, hh, mm).getTime()

async function accounting (t: TapTest, start: number): Promise<{ acc: ShareAccounting, clock: { now: number }, dir: string }> {
  const dir = await tempDir(t)
  const clock = { now: start }
  const acc = new ShareAccounting({ dataDir: dir, now: () => clock.now, log: silentLogger() })
  await acc.load()
  return { acc, clock, dir }
}

const sample = (counters: Array<[string, number]>, servingPeers: string[] = [], rate = 0): Parameters<ShareAccounting['record']>[0] =>
  ({ counters: counters.map(([infoHash, uploadedBytes]) => ({ infoHash, uploadedBytes })), servingPeers, rate })

t.test('counts what the per-torrent counters grew by', async t => {
  const { acc } = await accounting(t, local(11, 15))
  acc.record(sample([[HASH_A, 100], [HASH_B, 50]]))
  acc.record(sample([[HASH_A, 300], [HASH_B, 50]], ['p1', 'p2'], 1234))
  t.match(acc.snapshot(), { day: '2026-11-15', month: '2026-11', sharedToday: 350, sharedThisMonth: 350, rate: 1234, peersServing: 2, peersServedToday: 2 })
})

t.test('a torrent removed and added again starts its counter from 0 without losing or double counting', async t => {
  const { acc } = await accounting(t, local(11, 15))
  acc.record(sample([[HASH_A, 1000]]))
  acc.record(sample([]))
  acc.record(sample([[HASH_A, 40]]))
  t.equal(acc.snapshot().sharedToday, 1040)
  acc.record(sample([[HASH_A, 30]]))
  t.equal(acc.snapshot().sharedToday, 1070, 'a counter that went down counts in full')
})

t.test('peers served today are distinct peers', async t => {
  const { acc } = await accounting(t, local(11, 15))
  acc.record(sample([], ['p1', 'p2']))
  acc.record(sample([], ['p2', 'p3']))
  t.match(acc.snapshot(), { peersServing: 2, peersServedToday: 3 })
})

t.test('today rolls over at local midnight, the month on the 1st', async t => {
  const { acc, clock } = await accounting(t, local(11, 30, 23, 59))
  acc.record(sample([[HASH_A, 500]], ['p1']))
  clock.now = local(12, 1, 0, 0)
  t.match(acc.snapshot(), { day: '2026-12-01', month: '2026-12', sharedToday: 0, sharedThisMonth: 0, peersServedToday: 0 })
  acc.record(sample([[HASH_A, 700]]))
  clock.now = local(12, 2, 0, 0)
  acc.record(sample([[HASH_A, 710]]))
  t.match(acc.snapshot(), { day: '2026-12-02', sharedToday: 10, sharedThisMonth: 210 })
})

t.test('the totals survive a restart; the engine counters restart at 0', async t => {
  const { acc, clock, dir } = await accounting(t, local(11, 15))
  acc.record(sample([[HASH_A, 4096]], ['p1']))
  await acc.save()
  const again = new ShareAccounting({ dataDir: dir, now: () => clock.now, log: silentLogger() })
  await again.load()
  again.record(sample([[HASH_A, 10]], ['p1']))
  t.match(again.snapshot(), { sharedToday: 4106, sharedThisMonth: 4106, peersServedToday: 1 })
  t.match(JSON.parse(await readFile(join(dir, 'seeding', 'accounting.json'), 'utf8')), { version: 1, sharedThisMonth: 4096 })
})

t.test('totals saved last month count from zero after a restart this month', async t => {
  const { acc, dir } = await accounting(t, local(10, 31, 22))
  acc.record(sample([[HASH_A, 999]]))
  await acc.save()
  const again = new ShareAccounting({ dataDir: dir, now: () => local(11, 1, 8), log: silentLogger() })
  await again.load()
  t.match(again.snapshot(), { month: '2026-11', sharedThisMonth: 0, sharedToday: 0 })
})

t.test('a corrupt file is logged and counts as empty', async t => {
  const dir = await tempDir(t)
  await mkdir(join(dir, 'seeding'))
  await writeFile(join(dir, 'seeding', 'accounting.json'), '{"version":1,"day":')
  const errors: string[] = []
  const log = silentLogger()
  log.error = ((_: unknown, msg?: string) => { errors.push(msg ?? '') }) as typeof log.error
  const acc = new ShareAccounting({ dataDir: dir, now: () => local(11, 15), log })
  await acc.load()
  t.equal(acc.snapshot().sharedThisMonth, 0)
  t.match(errors, [/accounting unreadable/])
})
