/**
 * Must show 1: the budget holds against real libtorrent leechers. An idle box with a 1 MiB/s
 * budget serves three leechers at 1 MiB/s ± 10 % (measured by the leechers, over 20 s); the
 * pause switch stops uploads within 1 s; a reached monthly cap stops uploads and still holds
 * after a restart. The leechers know only the box and count what it sent them.
 */
import t from 'tap'
import { makeTorrentFixture } from '../helpers/fixtures.js'
import { putSettings, received, sharing, sleep, startLeechers, startSeedingBox, until } from './fixtures/seeding-box.js'

const MiB = 1024 * 1024
const BUDGET = MiB
const WINDOW_S = 20

t.test('an idle box with a 1 MiB/s budget serves three leechers at 1 MiB/s ± 10 %, and pause stops uploads within 1 s', async t => {
  // 3 × 16 MiB is 48 s of demand at the budget: the leechers cannot finish inside the window.
  const film = await makeTorrentFixture(t, { name: 'Budget', pieceLength: 256 * 1024, files: [{ path: 'budget.bin', length: 16 * MiB }] })
  const box = await startSeedingBox(t, { titles: [film], settings: { idleRate: BUDGET } })
  const leechers = await startLeechers(t, film, 3, box.peerAddress)
  await until('every leecher receiving', () => leechers.every(l => l.progress().downloaded > 0))
  await sleep(3000) // past the bucket's one-second burst and libtorrent's slow start

  const before = received(leechers)
  const engineBefore = box.engine.stats().uploadedBytes
  const started = performance.now()
  await sleep(WINDOW_S * 1000)
  const elapsed = (performance.now() - started) / 1000
  const rate = (received(leechers) - before) / elapsed
  const engineRate = (box.engine.stats().uploadedBytes - engineBefore) / elapsed
  t.comment(`leechers received ${(rate / MiB).toFixed(3)} MiB/s over ${elapsed.toFixed(1)} s; the engine counted ${(engineRate / MiB).toFixed(3)} MiB/s`)
  t.ok(rate >= BUDGET * 0.9 && rate <= BUDGET * 1.1, `measured ${(rate / MiB).toFixed(3)} MiB/s is within ±10 % of 1 MiB/s`)
  t.ok(leechers.some(l => l.progress().progress < 1), 'a leecher still wanted data at the end, so demand never ran out')
  const view = await sharing(box.url)
  t.match(view, { presence: 'idle', allowance: { mode: 'open', reason: 'idle', rateLimit: BUDGET } })
  // The accounting samples the engine once a second: it may trail the leechers by a second at the budget.
  t.ok(view.sharedThisMonth >= received(leechers) - BUDGET, `the accounting (${view.sharedThisMonth}) counts what the leechers got (${received(leechers)}), give or take the last second`)

  const atPause = received(leechers)
  const res = await putSettings(box.url, { paused: true })
  t.equal(res.status, 200)
  await sleep(1000)
  const afterOneSecond = received(leechers)
  await sleep(3000)
  t.equal(received(leechers), afterOneSecond, 'not one byte reached the leechers from 1 s after the pause to 4 s after')
  t.comment(`${afterOneSecond - atPause} bytes arrived in the second after the pause (already on the wire, or counted late by the 0.2 s progress lines)`)
  t.ok(afterOneSecond - atPause <= BUDGET / 2, 'what still arrived in that second is less than half a second at the budget')
  t.match(await sharing(box.url), { allowance: { mode: 'closed', reason: 'paused', rateLimit: 0 }, budget: { paused: true } })

  t.equal((await putSettings(box.url, { paused: false })).status, 200)
  const resumedFrom = received(leechers)
  await until('uploads after unpausing', () => received(leechers) > resumedFrom + 256 * 1024, 10_000)
  t.pass('unpausing resumes uploads')
})

t.test('a reached monthly cap stops uploads, and still holds after a restart', async t => {
  const CAP = 3 * MiB
  const film = await makeTorrentFixture(t, { name: 'Capped', pieceLength: 256 * 1024, files: [{ path: 'capped.bin', length: 8 * MiB }] })
  const box = await startSeedingBox(t, { titles: [film], settings: { idleRate: BUDGET, monthlyCap: CAP } })
  const leechers = await startLeechers(t, film, 3, box.peerAddress)
  await until('the cap to be reached', async () => (await sharing(box.url)).allowance.reason === 'cap-reached', 30_000)
  await sleep(1000)
  const atCap = received(leechers)
  t.ok(atCap <= CAP + 256 * 1024, `the leechers got ${atCap} bytes, at most the cap (${CAP}) plus a quarter second at the budget`)
  await sleep(3000)
  t.equal(received(leechers), atCap, 'no more uploads once the cap is reached')
  const shared = (await sharing(box.url)).sharedThisMonth
  t.ok(shared >= CAP, `the accounting shows ${shared} bytes, the cap reached`)

  await box.stop()
  const again = await startSeedingBox(t, { dataDir: box.dataDir })
  for (const leecher of leechers) leecher.connect(again.peerAddress)
  await until('the leechers to reconnect', () => again.engine.stats().peers >= 3, 15_000)
  await sleep(4000)
  t.equal(received(leechers), atCap, 'after the restart, still no uploads')
  const view = await sharing(again.url)
  t.match(view, { sharedThisMonth: shared, monthlyCap: CAP, remainingThisMonth: 0, allowance: { mode: 'closed', reason: 'cap-reached' } })

  t.equal((await putSettings(again.url, { monthlyCap: null })).status, 200)
  await until('uploads once the cap is lifted', () => received(leechers) > atCap + 512 * 1024, 15_000)
  t.pass('lifting the cap resumes uploads to the same leechers')
})
