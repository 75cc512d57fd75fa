import t from 'tap'
import { BandwidthBudget, covers, defaultSettings, mergeSettings, type SeedingSettings } from '../../src/seeding/index.js'

const MiB = 1024 * 1024
const GiB = 1024 * MiB
/** Local wall-clock time: the budget reads local time, so fixtures are built in local time too. */
const at = (hh: number, mm: number, day = 15): number => new Date(2026, 10, day, hh, mm).getTime()

function budget (patch: Partial<SeedingSettings>, now: number): BandwidthBudget {
  const settings = mergeSettings(defaultSettings(), patch)
  return new BandwidthBudget({ settings: () => settings, now: () => now })
}

const idle = { watching: false, sharedThisMonth: 0 }
const watching = { watching: true, sharedThisMonth: 0 }

t.test('an idle box shares at the idle rate, 2 MiB/s by default', async t => {
  t.same(budget({}, at(12, 0)).inForce(idle), { mode: 'open', rate: 2 * MiB, reason: 'idle' })
  t.same(budget({ idleRate: MiB }, at(12, 0)).inForce(idle), { mode: 'open', rate: MiB, reason: 'idle' })
})

t.test('an idle rate of null is unlimited (0 for the engine) and 0 shares nothing', async t => {
  t.same(budget({ idleRate: null }, at(12, 0)).inForce(idle), { mode: 'open', rate: 0, reason: 'idle' })
  t.same(budget({ idleRate: 0 }, at(12, 0)).inForce(idle), { mode: 'closed', rate: 0, reason: 'idle' })
})

t.test('while watching with the default watching rate 0, only stream feeders are served, within the idle rate', async t => {
  t.same(budget({}, at(20, 0)).inForce(watching), { mode: 'reciprocal', rate: 2 * MiB, reason: 'watching' })
  t.same(budget({ idleRate: 0 }, at(20, 0)).inForce(watching), { mode: 'closed', rate: 0, reason: 'watching' })
})

t.test('a positive watching rate shares with anyone at that rate', async t => {
  t.same(budget({ watchingRate: 128 * 1024 }, at(20, 0)).inForce(watching), { mode: 'open', rate: 128 * 1024, reason: 'watching' })
  t.same(budget({ watchingRate: null }, at(20, 0)).inForce(watching), { mode: 'open', rate: 0, reason: 'watching' })
})

t.test('a time window sets the idle rate inside it, end exclusive', async t => {
  const windows = [{ start: '09:00', end: '17:30', rate: 512 * 1024 }]
  t.same(budget({ windows }, at(8, 59)).inForce(idle), { mode: 'open', rate: 2 * MiB, reason: 'idle' })
  t.same(budget({ windows }, at(9, 0)).inForce(idle), { mode: 'open', rate: 512 * 1024, reason: 'window', window: windows[0] })
  t.same(budget({ windows }, at(17, 29)).inForce(idle), { mode: 'open', rate: 512 * 1024, reason: 'window', window: windows[0] })
  t.same(budget({ windows }, at(17, 30)).inForce(idle), { mode: 'open', rate: 2 * MiB, reason: 'idle' })
})

t.test('a window crossing midnight, 23:00-07:00 unlimited, covers both sides of midnight', async t => {
  const windows = [{ start: '23:00', end: '07:00', rate: null }]
  for (const [hh, mm, inside] of [[22, 59, false], [23, 0, true], [0, 0, true], [3, 30, true], [6, 59, true], [7, 0, false], [12, 0, false]] as const) {
    const allowance = budget({ windows }, at(hh, mm)).inForce(idle)
    t.equal(allowance.reason, inside ? 'window' : 'idle', `${hh}:${mm} is ${inside ? 'inside' : 'outside'}`)
    t.equal(allowance.rate, inside ? 0 : 2 * MiB)
  }
})

t.test('the first listed window wins where windows overlap, and a 0-rate window stops sharing', async t => {
  const windows = [{ start: '18:00', end: '23:00', rate: 0 }, { start: '01:00', end: '20:00', rate: null }]
  t.same(budget({ windows }, at(19, 0)).inForce(idle), { mode: 'closed', rate: 0, reason: 'window', window: windows[0] })
  t.same(budget({ windows }, at(17, 0)).inForce(idle), { mode: 'open', rate: 0, reason: 'window', window: windows[1] })
})

t.test('windows do not apply while watching', async t => {
  const windows = [{ start: '00:00', end: '23:59', rate: null }]
  t.same(budget({ windows, watchingRate: 1000 }, at(12, 0)).inForce(watching), { mode: 'open', rate: 1000, reason: 'watching' })
})

t.test('the monthly cap closes uploads once reached, and the rate shrinks to what is left before', async t => {
  const b = budget({ monthlyCap: 10 * MiB, idleRate: 2 * MiB }, at(12, 0))
  t.same(b.inForce({ watching: false, sharedThisMonth: 5 * MiB }), { mode: 'open', rate: 2 * MiB, reason: 'idle' })
  t.same(b.inForce({ watching: false, sharedThisMonth: 9 * MiB }), { mode: 'open', rate: MiB, reason: 'idle' })
  t.same(b.inForce({ watching: false, sharedThisMonth: 10 * MiB - 1 }), { mode: 'open', rate: 1, reason: 'idle' })
  t.same(b.inForce({ watching: false, sharedThisMonth: 10 * MiB }), { mode: 'closed', rate: 0, reason: 'cap-reached' })
  t.same(b.inForce({ watching: true, sharedThisMonth: 11 * MiB }), { mode: 'closed', rate: 0, reason: 'cap-reached' })
  t.same(budget({ monthlyCap: 10 * MiB, idleRate: null }, at(12, 0)).inForce({ watching: false, sharedThisMonth: 9 * MiB }),
    { mode: 'open', rate: MiB, reason: 'idle' }, 'an unlimited rate is bounded by what is left too')
})

t.test('the default cap is 100 GiB and null means no cap', async t => {
  t.same(budget({}, at(12, 0)).inForce({ watching: false, sharedThisMonth: 100 * GiB }).reason, 'cap-reached')
  t.same(budget({ monthlyCap: null }, at(12, 0)).inForce({ watching: false, sharedThisMonth: 1000 * GiB }), { mode: 'open', rate: 2 * MiB, reason: 'idle' })
})

t.test('pause wins over everything', async t => {
  const windows = [{ start: '00:00', end: '12:00', rate: null }]
  t.same(budget({ paused: true, windows }, at(6, 0)).inForce(idle), { mode: 'closed', rate: 0, reason: 'paused' })
  t.same(budget({ paused: true }, at(6, 0)).inForce({ watching: false, sharedThisMonth: 200 * GiB }).reason, 'paused')
})

t.test('covers() treats the end minute as outside', async t => {
  t.ok(covers({ start: '00:00', end: '00:01', rate: 0 }, 0))
  t.notOk(covers({ start: '00:00', end: '00:01', rate: 0 }, 1))
  t.ok(covers({ start: '23:59', end: '00:00', rate: 0 }, 23 * 60 + 59))
  t.notOk(covers({ start: '23:59', end: '00:00', rate: 0 }, 0))
})

t.test('an unlimited rate stays unlimited until the last GiB of the cap', async t => {
  const b = budget({ monthlyCap: 10 * GiB, idleRate: null }, at(12, 0))
  t.equal(b.inForce({ watching: false, sharedThisMonth: 9 * GiB - 1 }).rate, 0)
  t.equal(b.inForce({ watching: false, sharedThisMonth: 9 * GiB }).rate, GiB)
})
