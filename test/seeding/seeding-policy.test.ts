/**
 * The policy's decisions over a fake engine and a fake clock: what it applies when presence,
 * settings, the clock and the month's total change, what the API shows, and what survives a
 * restart. Ticks are driven by hand (`presenceChanged()`); the interval is set far away.
 */
import t from 'tap'
import { buildHttpApp } from '../../src/api/index.js'
import { settingsRoutes } from '../../src/api/settings.js'
import type { Torrent, TorrentStats, UploadMode } from '../../src/engine/index.js'
import { silentLogger } from '../../src/log.js'
import { createSeedingPolicy, type SeedingEngine, type SeedingPolicy } from '../../src/seeding/index.js'
import { tempDir } from '../helpers/fixtures.js'
import type { TapTest } from '../helpers/tap-types.js'

const MiB = 1024 * 1024
const HASH = 'c'.repeat(40)

class FakeSeedingEngine implements SeedingEngine {
  uploaded = 0
  rate = 0
  mode: UploadMode | undefined
  applied: Array<[number, UploadMode]> = []
  streaming: string[] = []
  /** Readers someone watched that have closed: info hash and when. */
  closed: Array<{ infoHash: string, at: number }> = []
  evictedHashes: string[] = []
  list (): Torrent[] {
    const stats = { infoHash: HASH, uploadedBytes: this.uploaded, uploadRate: 0, state: 'seeding', files: [] } as unknown as TorrentStats
    return [{ infoHash: HASH, stats: () => stats } as unknown as Torrent]
  }

  quotas: Array<number | undefined> = []
  setUploadRateLimit (bytesPerSecond: number): void { this.rate = bytesPerSecond }
  setUploadQuota (bytes: number | undefined): void { this.quotas.push(bytes) }
  setUploadMode (mode: UploadMode): void { this.mode = mode; this.applied.push([this.rate, mode]) }
  streamingTorrents (): string[] { return this.streaming }
  watchedTorrents (since: number): string[] {
    return [...new Set([...this.streaming, ...this.closed.filter(c => c.at >= since).map(c => c.infoHash)])]
  }
  servingPeers (): string[] { return [] }
  async evictData (infoHash: string): Promise<void> { this.evictedHashes.push(infoHash) }
}

interface Setup { policy: SeedingPolicy, engine: FakeSeedingEngine, clock: { now: number }, player: { visible: boolean }, dataDir: string }

async function setup (t: TapTest, dataDir?: string, now = new Date(2026, 10, 15, 12, 0).getTime()): Promise<Setup> {
  const dir = dataDir ?? await tempDir(t)
  const engine = new FakeSeedingEngine()
  const clock = { now }
  const player = { visible: false }
  const policy = createSeedingPolicy({ dataDir: dir, tickMs: 3_600_000, diskCheckIntervalMs: 3_600_000 }, {
    engine, log: silentLogger(), now: () => clock.now, player: { isPlayingVisible: () => player.visible }
  })
  await policy.start()
  t.teardown(async () => await policy.stop())
  return { policy, engine, clock, player, dataDir: dir }
}

t.test('on start an idle box opens uploads at the default 2 MiB/s', async t => {
  const { engine } = await setup(t)
  t.same(engine.applied, [[2 * MiB, 'open']])
})

t.test('a stream reader switches to reciprocal at once, and idle returns one quiet period after it closed', async t => {
  const { policy, engine, clock } = await setup(t)
  await policy.updateSettings({ quietPeriodSeconds: 30 })
  engine.streaming = [HASH]
  policy.presenceChanged()
  t.equal(engine.mode, 'reciprocal')
  engine.streaming = []
  clock.now += 29_999
  policy.presenceChanged()
  t.equal(engine.mode, 'reciprocal', 'still watching 1 ms before the quiet period ends')
  clock.now += 1
  policy.presenceChanged()
  t.same([engine.rate, engine.mode], [2 * MiB, 'open'])
})

t.test('a read that opened and closed between two ticks counts as watching', async t => {
  const { policy, engine, clock } = await setup(t)
  clock.now += 400
  engine.closed.push({ infoHash: HASH, at: clock.now })
  clock.now += 600
  policy.presenceChanged()
  t.equal(engine.mode, 'reciprocal')
  t.match(policy.sharing(), { presence: 'watching', idleInMs: 120_000 })
})

t.test('the player reporting a visible playing page counts as watching', async t => {
  const { policy, engine, player } = await setup(t)
  player.visible = true
  policy.presenceChanged()
  t.equal(engine.mode, 'reciprocal')
  t.match(policy.sharing(), { presence: 'watching', idleInMs: 120_000, allowance: { mode: 'reciprocal', reason: 'watching', rateLimit: 2 * MiB } })
})

t.test('pausing closes uploads in the same call, without waiting for a tick', async t => {
  const { policy, engine } = await setup(t)
  await policy.updateSettings({ paused: true })
  t.same([engine.rate, engine.mode], [0, 'closed'])
  await policy.updateSettings({ paused: false })
  t.same([engine.rate, engine.mode], [2 * MiB, 'open'])
})

t.test('a night window applies by the local clock and ends on time', async t => {
  const { policy, engine, clock } = await setup(t, undefined, new Date(2026, 10, 15, 0, 59).getTime())
  await policy.updateSettings({ windows: [{ start: '01:00', end: '07:00', rate: null }] })
  t.same([engine.rate, engine.mode], [2 * MiB, 'open'])
  clock.now = new Date(2026, 10, 15, 1, 0).getTime()
  policy.presenceChanged()
  t.same([engine.rate, engine.mode], [0, 'open'], '0 is unlimited for the engine')
  t.match(policy.sharing().allowance, { reason: 'window', rateLimit: null, window: { start: '01:00', end: '07:00' } })
  clock.now = new Date(2026, 10, 15, 7, 0).getTime()
  policy.presenceChanged()
  t.same([engine.rate, engine.mode], [2 * MiB, 'open'])
})

t.test('the cap closes uploads, survives a restart, and reopens with the new month', async t => {
  const first = await setup(t)
  await first.policy.updateSettings({ monthlyCap: 10 * MiB })
  t.equal(first.engine.quotas.at(-1), 10 * MiB, 'the engine gets the cap as a byte quota it counts down itself, however late a tick')
  first.engine.uploaded = 9 * MiB
  first.policy.presenceChanged()
  t.same([first.engine.rate, first.engine.mode], [MiB, 'open'], 'the last MiB of the cap at most in the next second')
  first.engine.uploaded = 10 * MiB
  first.policy.presenceChanged()
  t.same([first.engine.rate, first.engine.mode], [0, 'closed'])
  await first.policy.stop()

  const second = await setup(t, first.dataDir, first.clock.now + 60_000)
  t.same([second.engine.rate, second.engine.mode], [0, 'closed'], 'a fresh engine (counters at 0) stays closed after the restart')
  t.equal(second.engine.quotas.at(-1), 0, 'with no quota left')
  t.match(second.policy.sharing(), { sharedThisMonth: 10 * MiB, remainingThisMonth: 0, monthlyCap: 10 * MiB, allowance: { reason: 'cap-reached' } })
  second.clock.now = new Date(2026, 11, 1, 0, 0).getTime()
  second.policy.presenceChanged()
  t.same([second.engine.rate, second.engine.mode], [2 * MiB, 'open'], 'December starts from zero')
  t.equal(second.engine.quotas.at(-1), 10 * MiB, 'with the whole cap as its quota')
  t.match(second.policy.sharing(), { month: '2026-12', sharedThisMonth: 0 })
})

t.test('GET and PUT /api/settings, GET /api/sharing', async t => {
  const { policy } = await setup(t)
  const app = buildHttpApp({ engine: undefined as never, log: silentLogger() })
  void app.register(settingsRoutes({ seeding: policy }))
  t.teardown(async () => await app.close())

  const got = await app.inject({ method: 'GET', url: '/api/settings' })
  t.equal(got.statusCode, 200)
  t.match(got.json(), { idleRate: 2 * MiB, watchingRate: 0, monthlyCap: 100 * 1024 * MiB, paused: false })

  const put = await app.inject({ method: 'PUT', url: '/api/settings', payload: { idleRate: MiB, windows: [{ start: '23:00', end: '06:00', rate: null }] } })
  t.equal(put.statusCode, 200)
  t.match(put.json(), { idleRate: MiB, watchingRate: 0, windows: [{ start: '23:00', end: '06:00', rate: null }] })
  t.match((await app.inject({ method: 'GET', url: '/api/settings' })).json(), { idleRate: MiB })

  const bad = await app.inject({ method: 'PUT', url: '/api/settings', payload: { idleRate: -3 } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: { code: 'REEL_ERR_BAD_REQUEST', message: '"idleRate" must be a whole number of bytes per second (0 stops sharing while idle), or null for unlimited; got -3' } })
  const broken = await app.inject({ method: 'PUT', url: '/api/settings', headers: { 'content-type': 'application/json' }, payload: '{"idleRate":' })
  t.equal(broken.statusCode, 400)
  t.equal(broken.json().error.code, 'REEL_ERR_BAD_REQUEST')
  t.equal(policy.settings().idleRate, MiB, 'refused bodies change nothing')

  const view = (await app.inject({ method: 'GET', url: '/api/sharing' })).json()
  t.match(view, {
    day: '2026-11-15', month: '2026-11', sharedToday: 0, sharedThisMonth: 0, rate: 0, peersServing: 0, peersServedToday: 0,
    presence: 'idle', allowance: { mode: 'open', reason: 'idle', rateLimit: MiB }, monthlyCap: 100 * 1024 * MiB, budget: { idleRate: MiB }
  })
})

t.test('the disk cap check evicts through the engine with the plan', async t => {
  const { policy, engine } = await setup(t)
  engine.list = () => [HASH, 'd'.repeat(40)].map(infoHash => ({
    infoHash,
    stats: () => ({ infoHash, uploadedBytes: 0, uploadRate: 0, state: 'seeding', files: [{ verifiedBytes: MiB }] }) as unknown as TorrentStats
  }) as unknown as Torrent)
  engine.streaming = [HASH]
  await policy.updateSettings({ diskCap: { bytes: MiB } })
  t.same(await policy.enforceDiskCap(), { evict: ['d'.repeat(40)], freedBytes: MiB, shortBy: 0 })
  t.same(engine.evictedHashes, ['d'.repeat(40)], 'the playing title was kept')
})
