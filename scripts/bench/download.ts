/**
 * Download section: one single-file torrent (1 MiB pieces) seeded by four
 * unthrottled libtorrent peers on 127.0.0.1 through a local tracker; each
 * client downloads it fresh `runs` times (clients interleaved so drift hits
 * both alike). Per run: wall time from adding the torrent to complete, CPU
 * seconds the client process spent in that interval per GiB, and its peak RSS.
 */
import { execFile } from 'node:child_process'
import { open, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js'
import { makeTorrentFixture, startTracker, type TorrentFixture } from '../../test/helpers/fixtures.js'
import { startLibtorrentPeer } from '../../test/helpers/libtorrent.js'
import { startReelDaemon } from '../../test/helpers/reel.js'
import type { CleanupScope } from '../../test/helpers/scope.js'
import { startWebtorrentPeer } from '../../test/helpers/webtorrent.js'
import { errorMessage, GiB, MiB, withScope, type BenchContext } from './context.js'
import type { FloorSample } from './library-floor.js'
import { sampleProcess } from './proc-stats.js'
import { fmt, median, ratio, type SectionReport, type TargetCheck } from './report.js'

const SEEDERS = 4
const PIECE = MiB

export type RunResult =
  | { ok: true, seconds: number, mibPerSecond: number, cpuSecondsPerGiB: number, peakRssMiB: number, startRssMiB?: number }
  | { ok: false, reason: string }

interface ClientSummary {
  client: string
  runs: RunResult[]
  seconds?: number
  mibPerSecond?: number
  cpuSecondsPerGiB?: number
  peakRssMiB?: number
  /** Reel only: the daemon's peak RSS from its start until the torrent is added. */
  startRssMiB?: number
  failure?: string
}

/** Medians of the library floor's samples (./library-floor.ts), or why it could not be measured. */
type FloorSummary = { ok: true, libraries: readonly string[], rssMiB: number, peakRssMiB: number } | { ok: false, reason: string }

const FLOOR_SAMPLES = 3

type Client = (ctx: BenchContext, fx: TorrentFixture, run: number) => Promise<RunResult>

export async function runDownloadBench(ctx: BenchContext): Promise<SectionReport> {
  return withScope(async section => {
    const { opts } = ctx
    const tracker = await startTracker(section)
    const bytes = opts.downloadMiB * MiB
    ctx.log(`generating ${opts.downloadMiB} MiB download fixture`)
    const fx = await makeTorrentFixture(join(ctx.workDir, 'download-fixture'), {
      name: `bench-${opts.downloadMiB}m.bin`,
      files: [{ path: `bench-${opts.downloadMiB}m.bin`, length: bytes }],
      pieceLength: PIECE,
      announce: [tracker.announceUrl],
      seed: 'reel-bench-download',
    })
    ctx.log(`starting ${SEEDERS} libtorrent seeders (each checks the data first)`)
    const seeders = await Promise.all(Array.from({ length: SEEDERS }, (_, i) =>
      startLibtorrentPeer(section, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed', name: `seed-${i}`, echo: false })))
    await Promise.all(seeders.map(s => s.waitFinished({ timeoutMs: 180_000 })))

    const clients: Array<[string, Client]> = [['Reel', reelRun], ['webtorrent', webtorrentRun]]
    const results = new Map<string, RunResult[]>(clients.map(([name]) => [name, []]))
    for (let run = 1; run <= opts.runs; run++) {
      for (const [name, client] of clients) {
        const previous = results.get(name) ?? []
        const unavailable = previous.find((r): r is { ok: false, reason: string } => !r.ok && r.reason.startsWith('Reel daemon not available'))
        let result: RunResult
        if (unavailable !== undefined) {
          result = unavailable
        } else {
          ctx.log(`${name} run ${run}/${opts.runs}`)
          result = await client(ctx, fx, run).catch((err: unknown) => ({ ok: false as const, reason: errorMessage(err) }))
          ctx.log(`${name} run ${run}: ${result.ok ? `${result.seconds.toFixed(2)} s, ${result.mibPerSecond.toFixed(1)} MiB/s, ` +
            `${result.cpuSecondsPerGiB.toFixed(2)} CPU s/GiB, ${result.peakRssMiB.toFixed(0)} MiB peak RSS` : `failed: ${result.reason}`}`)
        }
        previous.push(result)
      }
    }
    ctx.log(`measuring the library floor (${FLOOR_SAMPLES} fresh processes)`)
    const floor = await measureLibraryFloor().catch((err: unknown) => ({ ok: false as const, reason: errorMessage(err) }))
    return report(ctx, fx, [...results].map(([client, runs]) => summarize(client, runs)), floor)
  })
}

const reelRun: Client = async (ctx, fx, run) => {
  if (ctx.reelUnavailable !== undefined) return { ok: false, reason: `Reel daemon not available: ${ctx.reelUnavailable}` }
  return withScope(async scope => {
    const dataDir = join(ctx.workDir, `reel-download-${run}`)
    removeOnClose(scope, dataDir)
    let reel
    try {
      reel = await startReelDaemon(scope, ctx.reelDaemon(dataDir))
    } catch (err) {
      return { ok: false, reason: `Reel daemon not available: ${errorMessage(err)}` }
    }
    const pid = reel.process.pid ?? 0
    const before = await sampleProcess(pid)
    const t0 = performance.now()
    await reel.api.addTorrent(fx.torrentFile)
    await reel.api.waitComplete(fx.infoHash, { timeoutMs: ctx.opts.downloadTimeoutMs, intervalMs: 50 })
    const t1 = performance.now()
    const after = await sampleProcess(pid)
    for (const at of spotOffsets(fx)) {
      const res = await reel.api.fetch(`/stream/${fx.infoHash}/0`, { headers: { range: `bytes=${at}-${at + 4095}` } })
      const body = Buffer.from(await res.arrayBuffer())
      if (!body.equals(fx.expectedBytes(0, at, 4096))) throw new Error(`Reel served wrong bytes at ${at} (HTTP ${res.status})`)
    }
    return { ...measured(fx, t1 - t0, after.cpuSeconds - before.cpuSeconds, after.peakRssBytes), startRssMiB: before.peakRssBytes / MiB }
  })
}

const webtorrentRun: Client = async (ctx, fx, run) => withScope(async scope => {
  const save = join(ctx.workDir, `webtorrent-download-${run}`)
  removeOnClose(scope, save)
  const wt = await startWebtorrentPeer(scope, { torrentPath: fx.torrentPath, save, mode: 'leech', echo: ctx.opts.verbose })
  const before = await sampleProcess(wt.process.pid ?? 0)
  const added = wt.output.last('added')
  const t0 = (added && wt.output.receivedAt(added)) ?? performance.now()
  const finished = await wt.output.waitForEvent('finished', { timeoutMs: ctx.opts.downloadTimeoutMs })
  const t1 = wt.output.receivedAt(finished) ?? performance.now()
  const after = await sampleProcess(wt.process.pid ?? 0)
  const file = join(save, fx.name)
  const fh = await open(file, 'r')
  try {
    for (const at of spotOffsets(fx)) {
      const buf = Buffer.alloc(4096)
      await fh.read(buf, 0, 4096, at)
      if (!buf.equals(fx.expectedBytes(0, at, 4096))) throw new Error(`webtorrent wrote wrong bytes at ${at}`)
    }
  } finally {
    await fh.close()
  }
  return measured(fx, t1 - t0, after.cpuSeconds - before.cpuSeconds, after.peakRssBytes)
})

const runFile = promisify(execFile)

async function measureLibraryFloor(): Promise<FloorSummary> {
  const entry = join(dirname(fileURLToPath(import.meta.url)), 'library-floor.js')
  const samples: FloorSample[] = []
  for (let i = 0; i < FLOOR_SAMPLES; i++) {
    const { stdout } = await runFile(process.execPath, [...DAEMON_NODE_FLAGS, '--expose-gc', entry], {
      env: { ...process.env, ...DAEMON_ENV },
      timeout: 60_000,
    })
    samples.push(JSON.parse(stdout) as FloorSample)
  }
  const rssMiB = median(samples.map(s => s.rssBytes / MiB))
  const peakRssMiB = median(samples.map(s => s.peakRssBytes / MiB))
  if (rssMiB === undefined || peakRssMiB === undefined) return { ok: false, reason: 'no sample' }
  return { ok: true, libraries: samples[0]?.libraries ?? [], rssMiB, peakRssMiB }
}

function measured(fx: TorrentFixture, ms: number, cpuSeconds: number, peakRssBytes: number): RunResult {
  const seconds = ms / 1000
  return {
    ok: true,
    seconds,
    mibPerSecond: fx.totalLength / MiB / seconds,
    cpuSecondsPerGiB: cpuSeconds / (fx.totalLength / GiB),
    peakRssMiB: peakRssBytes / MiB,
  }
}

/** A few 4 KiB spots to check the downloaded bytes: start, middle, last page. */
function spotOffsets(fx: TorrentFixture): number[] {
  const len = fx.totalLength
  return [0, Math.floor(len / 2 / 4096) * 4096, len - 4096]
}

function removeOnClose(scope: CleanupScope, dir: string): void {
  scope.teardown(() => rm(dir, { recursive: true, force: true }))
}

function summarize(client: string, runs: RunResult[]): ClientSummary {
  const ok = runs.filter((r): r is Extract<RunResult, { ok: true }> => r.ok)
  const failed = runs.find((r): r is Extract<RunResult, { ok: false }> => !r.ok)
  const s: ClientSummary = { client, runs }
  if (ok.length > 0) {
    s.seconds = median(ok.map(r => r.seconds))
    s.mibPerSecond = median(ok.map(r => r.mibPerSecond))
    s.cpuSecondsPerGiB = median(ok.map(r => r.cpuSecondsPerGiB))
    s.peakRssMiB = median(ok.map(r => r.peakRssMiB))
    const starts = ok.flatMap(r => r.startRssMiB === undefined ? [] : [r.startRssMiB])
    if (starts.length > 0) s.startRssMiB = median(starts)
  }
  if (failed !== undefined) s.failure = failed.reason
  return s
}

function report(ctx: BenchContext, fx: TorrentFixture, summaries: ClientSummary[], floor: FloorSummary): SectionReport {
  const reel = summaries.find(s => s.client === 'Reel')
  const wt = summaries.find(s => s.client === 'webtorrent')
  const okRuns = (s: ClientSummary): number => s.runs.filter(r => r.ok).length
  const rows = summaries.map(s => [
    s.client,
    `${okRuns(s)}/${s.runs.length}`,
    fmt(s.seconds, 2),
    fmt(s.mibPerSecond, 1),
    fmt(s.cpuSecondsPerGiB, 2),
    fmt(s.peakRssMiB, 1),
    s.failure === undefined ? 'ok' : s.failure,
  ])
  const r = {
    throughput: ratio(reel?.mibPerSecond, wt?.mibPerSecond),
    cpu: ratio(reel?.cpuSecondsPerGiB, wt?.cpuSecondsPerGiB),
    rss: ratio(reel?.peakRssMiB, wt?.peakRssMiB),
    time: ratio(reel?.seconds, wt?.seconds),
  }
  rows.push(['Reel/webtorrent', '', fmt(r.time, 2, '×'), fmt(r.throughput, 2, '×'), fmt(r.cpu, 2, '×'), fmt(r.rss, 2, '×'), ''])
  const notes = [
    `${fx.totalLength / MiB} MiB single file, ${fx.pieceLength / MiB} MiB pieces, ${SEEDERS} unthrottled libtorrent seeders on 127.0.0.1, ` +
      `median of ${ctx.opts.runs} fresh run(s); CPU counts the client process (all threads) from adding the torrent to complete.`,
    'webtorrent 2.8.5 with its defaults (sequential strategy), TCP only; Reel completion is polled every 50 ms.',
    `Reel's peak RSS from its start until the torrent is added (no torrent yet): ${fmt(reel?.startRssMiB, 1)} MiB.`,
    floor.ok
      ? `Library floor: an empty Node ${process.versions.node} process started with the daemon's flags that loads ${floor.libraries.join(', ')} ` +
        `and nothing else: ${fmt(floor.rssMiB, 1)} MiB RSS after two full collections, ${fmt(floor.peakRssMiB, 1)} MiB peak ` +
        `(median of ${FLOOR_SAMPLES}); 80 MB is ${fmt(80e6 / MiB, 1)} MiB.`
      : `Library floor not measured: ${floor.reason}`,
  ]
  const reelFailed = reel?.mibPerSecond === undefined
  const why = reelFailed ? (reel?.failure ?? 'no result') : ''
  const checks: TargetCheck[] = [
    {
      name: 'throughput ≥ webtorrent',
      pass: r.throughput === undefined ? undefined : r.throughput >= 1,
      detail: reelFailed ? why : `${fmt(reel?.mibPerSecond, 1)} vs ${fmt(wt?.mibPerSecond, 1)} MiB/s`,
    },
    {
      name: 'CPU/GiB ≤ 0.5 × webtorrent',
      pass: r.cpu === undefined ? undefined : r.cpu <= 0.5,
      detail: reelFailed ? why : `${fmt(reel?.cpuSecondsPerGiB, 2)} vs ${fmt(wt?.cpuSecondsPerGiB, 2)} s/GiB (${fmt(r.cpu, 2, '×')})`,
    },
    {
      name: 'peak RSS < 80 MB',
      pass: reel?.peakRssMiB === undefined ? undefined : reel.peakRssMiB * MiB < 80e6,
      detail: reelFailed ? why : `${fmt(reel?.peakRssMiB, 1)} MiB = ${fmt((reel?.peakRssMiB ?? 0) * MiB / 1e6, 1)} MB` +
        (floor.ok ? `; the named libraries alone: ${fmt(floor.rssMiB * MiB / 1e6, 1)} MB` : ''),
    },
  ]
  return {
    name: 'Download',
    tables: [{ title: 'Full download', columns: ['client', 'runs ok', 'time s', 'MiB/s', 'CPU s/GiB', 'peak RSS MiB', 'status'], rows, notes }],
    checks,
    data: { totalBytes: fx.totalLength, pieceLength: fx.pieceLength, seeders: SEEDERS, summaries, floor },
  }
}
