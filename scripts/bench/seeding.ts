/**
 * Seeding section (issue 5, Must show 7): the daemon seeds one title to 10 libtorrent
 * leechers at its idle budget (2 MiB/s, the default) and we report its CPU and RSS while it
 * does, with the upload the leechers measured. The leechers know only the daemon (no PEX,
 * trackers or DHT) and count what it sent them. The budget is set through PUT /api/settings
 * when the seeding policy is wired, and through REEL_UPLOAD_RATE in any case, so the section
 * also runs on a daemon without the policy (the report says which applied).
 */
import { cp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTorrentFixture } from '../../test/helpers/fixtures.js'
import { startCountingLeecher, type CountingLeecher } from '../../test/helpers/libtorrent-leecher.js'
import { startReelDaemon } from '../../test/helpers/reel.js'
import { MiB, withScope, type BenchContext } from './context.js'
import { sampleProcess } from './proc-stats.js'
import type { SectionReport } from './report.js'

const LEECHERS = 10
const BUDGET = 2 * MiB
const WARM_UP_MS = 4000

export interface SeedingRun {
  budget: number
  budgetSource: 'PUT /api/settings' | 'REEL_UPLOAD_RATE'
  leechers: number
  seconds: number
  /** Bytes/s the leechers received from the daemon over the window. */
  uploadRate: number
  cpuPercent: number
  rssBytes: number
  peakRssBytes: number
}

export async function runSeedingBench(ctx: BenchContext): Promise<SectionReport> {
  if (ctx.reelUnavailable !== undefined) throw new Error(`Reel daemon not available: ${ctx.reelUnavailable}`)
  const seconds = ctx.opts.quick ? 15 : 30
  const fileMiB = ctx.opts.quick ? 16 : 32
  const run = await withScope(async scope => {
    ctx.log(`seeding: generating a ${fileMiB} MiB title`)
    const fx = await makeTorrentFixture(join(ctx.workDir, 'seeding-fixture'), {
      name: `seed-${fileMiB}m.bin`, files: [{ path: `seed-${fileMiB}m.bin`, length: fileMiB * MiB }], pieceLength: 256 * 1024, seed: 'reel-bench-seeding'
    })
    const dataDir = join(ctx.workDir, 'seeding-daemon')
    await cp(fx.dir, join(dataDir, 'data', fx.infoHash), { recursive: true })
    const reel = await startReelDaemon(scope, { ...ctx.reelDaemon(dataDir), env: { REEL_UPLOAD_RATE: String(BUDGET) } })
    const put = await reel.api.fetch('/api/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idleRate: BUDGET }) })
    const budgetSource = put.status === 200 ? 'PUT /api/settings' : 'REEL_UPLOAD_RATE'
    await reel.api.addTorrent(fx.torrentFile)
    await reel.api.waitComplete(fx.infoHash, { timeoutMs: 120_000, intervalMs: 100 })
    if (reel.torrentPort === undefined) throw new Error('the daemon did not report its peer port')
    ctx.log(`seeding: title ready; starting ${LEECHERS} leechers (budget ${BUDGET / MiB} MiB/s via ${budgetSource})`)
    const leechers: CountingLeecher[] = []
    for (let i = 0; i < LEECHERS; i++) {
      leechers.push(await startCountingLeecher(scope, {
        torrentPath: fx.torrentPath, save: join(ctx.workDir, `seeding-leecher-${i}`), peers: [`127.0.0.1:${reel.torrentPort}`], name: `seeding-leecher-${i}`, echo: ctx.opts.verbose
      }))
    }
    await new Promise(resolve => setTimeout(resolve, WARM_UP_MS))
    const pid = reel.process.pid ?? 0
    const before = { bytes: received(leechers), proc: await sampleProcess(pid), at: performance.now() }
    const rss: number[] = []
    const sampler = setInterval(() => { void currentRss(pid).then(bytes => rss.push(bytes), () => {}) }, 1000)
    await new Promise(resolve => setTimeout(resolve, seconds * 1000))
    clearInterval(sampler)
    const elapsed = (performance.now() - before.at) / 1000
    const after = await sampleProcess(pid)
    const result: SeedingRun = {
      budget: BUDGET,
      budgetSource,
      leechers: leechers.filter(l => l.progress().progress < 1).length,
      seconds: elapsed,
      uploadRate: (received(leechers) - before.bytes) / elapsed,
      cpuPercent: (after.cpuSeconds - before.proc.cpuSeconds) / elapsed * 100,
      rssBytes: rss.length === 0 ? 0 : rss.reduce((a, b) => a + b, 0) / rss.length,
      peakRssBytes: after.peakRssBytes
    }
    ctx.log(`seeding: ${JSON.stringify(result)}`)
    return result
  })
  const within = Math.abs(run.uploadRate - run.budget) <= run.budget * 0.1
  return {
    name: 'Seeding at the budget',
    tables: [{
      title: `Reel daemon seeding one ${fileMiB} MiB title to ${LEECHERS} libtorrent leechers on 127.0.0.1`,
      columns: ['budget MiB/s', 'measured MiB/s', 'leechers still pulling', 'window s', 'CPU %', 'RSS MiB (mean)', 'peak RSS MiB'],
      rows: [[
        (run.budget / MiB).toFixed(2), (run.uploadRate / MiB).toFixed(3), String(run.leechers), run.seconds.toFixed(1),
        run.cpuPercent.toFixed(1), (run.rssBytes / MiB).toFixed(1), (run.peakRssBytes / MiB).toFixed(1)
      ]],
      notes: [
        `budget set through ${run.budgetSource}; upload measured by the leechers (payload from the daemon only)`,
        'CPU % is user+system time of the daemon process over the window, 100 % = one core'
      ]
    }],
    checks: [{
      name: 'upload at the budget (±10 %)',
      pass: within,
      detail: `${(run.uploadRate / MiB).toFixed(3)} MiB/s for a ${(run.budget / MiB).toFixed(2)} MiB/s budget`
    }],
    data: run
  }
}

function received(leechers: readonly CountingLeecher[]): number {
  return leechers.reduce((sum, l) => sum + Object.values(l.progress().fromPeers).reduce((a, b) => a + b, 0), 0)
}

/** Resident set size now (VmRSS), bytes. */
async function currentRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  if (match?.[1] === undefined) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}

