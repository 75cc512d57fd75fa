/**
 * Streaming section: Reel, webtorrent and libtorrent, each as a fresh process
 * with a fresh data dir per run, stream one single-file torrent (1 MiB pieces: random
 * bytes, or with --film a Matroska film whose bitrate is the playback rate) from 4
 * libtorrent seeders on 127.0.0.1, each limited to 1 MiB/s upload, found
 * through a local tracker. Per run and client: startup (2 MiB at offset 0 after
 * adding the torrent), then seek (2 MiB at 60 %); in another fresh process,
 * playback (3.4 MiB/s, 32 MiB read-ahead, stalls counted). After each run's
 * seeks, an oracle client (oracle-client.ts) makes the same startup and seek asking
 * for nothing but the bytes needed, with nothing else in flight. Then one seeder is
 * swapped for a web seed (1 MiB/s HTTP, in a second torrent's url-list) and
 * playback is repeated, counting the bytes the web seed sent.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTorrentFixture, startTracker, type TorrentFixture } from '../../test/helpers/fixtures.js'
import { startLibtorrentPeer, type LibtorrentPeer } from '../../test/helpers/libtorrent.js'
import type { CleanupScope } from '../../test/helpers/scope.js'
import { startWebSeed, type WebSeed } from '../../test/helpers/web-seed.js'
import { errorMessage, MiB, withScope, type BenchContext } from './context.js'
import { sampleProcess } from './proc-stats.js'
import type { SectionReport } from './report.js'
import { ClientUnavailableError, STREAM_CLIENTS, startStreamClient, type StreamClient, type StreamClientName } from './stream-clients.js'
import { makeFilm } from './film-fixture.js'
import { oracleClientRun } from './oracle-client.js'
import { playBack, readRange } from './stream-readers.js'
import {
  streamingReport, type ClientRuns, type Outcome, type PlaybackRun, type SeekRun, type StreamingPlan, type WebSeedRun,
} from './streaming-report.js'

const PROBE = 2 * MiB
const TIMEOUT_MS = 60_000
/** What the section can measure; `--measures` runs some of them. */
export const STREAM_MEASURES = ['seek', 'playback', 'webseed-short', 'webseed-spare'] as const
type StreamMeasure = typeof STREAM_MEASURES[number]

export async function runStreamingBench(ctx: BenchContext): Promise<SectionReport> {
  const quick = ctx.opts.quick
  const plan: StreamingPlan = {
    fileMiB: quick ? 64 : 256,
    runs: ctx.opts.runs,
    seeders: 4,
    seederRate: MiB,
    playbackRate: 3.4 * MiB,
    playbackSec: quick ? 20 : 60,
    aheadBytes: 32 * MiB,
    rebufferBytes: 2 * MiB,
    seekFraction: 0.6,
    reelDeclaresRate: ctx.opts.reelDeclaresRate === true,
    film: ctx.opts.streamFilm === true,
  }
  return withScope(async section => {
    const tracker = await startTracker(section)
    const name = `stream-${plan.fileMiB}m.${plan.film ? 'mkv' : 'bin'}`
    const film = plan.film ? await makeFilm(join(ctx.workDir, 'streaming-film', name), plan.fileMiB * MiB, plan.playbackRate) : undefined
    if (film !== undefined) ctx.log(`made a ${(film.length / MiB).toFixed(1)} MiB film of ${film.seconds} s (${(film.length / film.seconds / MiB).toFixed(4)} MiB/s)`)
    const fixture = (dir: string, urlList?: string[]): Promise<TorrentFixture> => makeTorrentFixture(join(ctx.workDir, dir), {
      name,
      files: [film === undefined ? { path: name, length: plan.fileMiB * MiB } : { path: name, length: film.length, source: film.path }],
      pieceLength: MiB,
      announce: [tracker.announceUrl],
      seed: 'reel-bench-streaming',
      ...(urlList !== undefined ? { urlList } : {}),
    })
    ctx.log(`making two ${plan.fileMiB} MiB streaming fixtures (plain, and with a web seed)`)
    const fx = await fixture('streaming-fixture')
    const wsDir = 'streaming-webseed-fixture'
    const webSeed = await startWebSeed(section, { filePath: join(ctx.workDir, wsDir, 'data', name), urlPath: `/${name}`, rateLimit: plan.seederRate })
    const wsFx = await fixture(wsDir, [webSeed.url])

    const runs = new Map<StreamClientName, ClientRuns>(STREAM_CLIENTS.map(c => [c, { seek: [], playback: [], webSeedShort: [], webSeedSpare: [] }]))
    const oracle: Outcome<SeekRun>[] = []
    const unavailable = new Map<StreamClientName, string>()
    for (const c of STREAM_CLIENTS) {
      if (ctx.opts.streamClients !== undefined && !ctx.opts.streamClients.includes(c)) unavailable.set(c, 'not run (--clients)')
    }
    const attempt = async <T>(client: StreamClientName, what: string, run: number, fn: () => Promise<T>): Promise<Outcome<T>> => {
      const skip = unavailable.get(client)
      if (skip !== undefined) return { ok: false, reason: skip }
      ctx.log(`${client} ${what} run ${run}/${plan.runs}`)
      try {
        const value = await fn()
        ctx.log(`${client} ${what} run ${run}: ${JSON.stringify(value, (_, v: unknown) => typeof v === 'number' ? Number(v.toFixed(3)) : v)}`)
        return { ok: true, value }
      } catch (err) {
        if (err instanceof ClientUnavailableError) unavailable.set(client, err.message)
        ctx.log(`${client} ${what} run ${run} failed: ${errorMessage(err)}`)
        return { ok: false, reason: errorMessage(err) }
      }
    }

    const measured = (m: StreamMeasure): boolean => ctx.opts.streamMeasures === undefined || ctx.opts.streamMeasures.includes(m)
    if (measured('seek') || measured('playback')) {
      await withScope(async swarm => {
        const seeders = await startSeeders(ctx, swarm, fx, plan.seeders, plan.seederRate)
        for (let run = 1; run <= plan.runs; run++) {
          if (measured('seek')) {
            for (const c of STREAM_CLIENTS) runs.get(c)?.seek.push(await attempt(c, 'startup+seek', run, () => seekRun(ctx, c, fx, plan, run)))
            oracle.push(await oracleAttempt(ctx, run, plan, () => oracleClientRun(seeders, fx, {
              probeBytes: PROBE, seekAt: seekOffset(fx, plan), timeoutMs: TIMEOUT_MS,
            })))
          }
          if (measured('playback')) for (const c of STREAM_CLIENTS) runs.get(c)?.playback.push(await attempt(c, 'playback', run, () => playbackRun(ctx, c, fx, plan, run)))
        }
      })
    }
    for (const [kind, seederCount, measure] of [['webSeedShort', plan.seeders - 1, 'webseed-short'], ['webSeedSpare', plan.seeders, 'webseed-spare']] as const) {
      if (!measured(measure)) continue
      await withScope(async swarm => {
        const seeders = await startSeeders(ctx, swarm, wsFx, seederCount, plan.seederRate)
        for (let run = 1; run <= plan.runs; run++) {
          for (const c of STREAM_CLIENTS) {
            runs.get(c)?.[kind].push(await attempt(c, `web-seed playback (${seederCount} seeders)`, run, () => webSeedRun(ctx, c, wsFx, plan, run, webSeed, seeders)))
          }
        }
      })
    }
    return streamingReport(plan, runs, oracle)
  })
}

const seekOffset = (fx: TorrentFixture, plan: StreamingPlan): number => Math.floor(fx.totalLength * plan.seekFraction)

async function oracleAttempt(ctx: BenchContext, run: number, plan: StreamingPlan, fn: () => Promise<SeekRun>): Promise<Outcome<SeekRun>> {
  try {
    const value = await fn()
    ctx.log(`oracle client run ${run}/${plan.runs}: startup ${value.startupSec.toFixed(3)} s, seek ${value.seekSec.toFixed(3)} s`)
    return { ok: true, value }
  } catch (err) {
    ctx.log(`oracle client run ${run} failed: ${errorMessage(err)}`)
    return { ok: false, reason: errorMessage(err) }
  }
}

async function startSeeders(ctx: BenchContext, scope: CleanupScope, fx: TorrentFixture, count: number, rate: number): Promise<LibtorrentPeer[]> {
  ctx.log(`starting ${count} libtorrent seeders at ${rate / MiB} MiB/s each (each checks the data first)`)
  const seeders = await Promise.all(Array.from({ length: count }, (_, i) => startLibtorrentPeer(scope, {
    torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed', uploadLimit: rate, intervalSec: 0.25, name: `stream-seed-${i}`, echo: false,
  })))
  await Promise.all(seeders.map(s => s.waitFinished({ timeoutMs: 180_000 })))
  return seeders
}

/** A fresh client in a fresh data dir, stopped (and the dir removed) when `fn` returns. */
async function withClient<T>(ctx: BenchContext, client: StreamClientName, label: string,
  fn: (c: StreamClient, scope: CleanupScope) => Promise<T>): Promise<T> {
  return withScope(async scope => {
    const dataDir = join(ctx.workDir, `stream-${client}-${label}`)
    scope.teardown(() => rm(dataDir, { recursive: true, force: true }))
    const c = await startStreamClient(client, ctx, scope, dataDir)
    try {
      return await fn(c, scope)
    } catch (err) {
      const death = c.deathNote()
      throw death === undefined ? err : new Error(`${death}; ${errorMessage(err)}`)
    }
  })
}

async function seekRun(ctx: BenchContext, client: StreamClientName, fx: TorrentFixture, plan: StreamingPlan, run: number): Promise<SeekRun> {
  return withClient(ctx, client, `seek-${run}`, async c => {
    const expected = (at: number, len: number): Buffer => fx.expectedBytes(0, at, len)
    const t0 = performance.now()
    const url = await c.add(fx.torrentFile)
    // an open-ended request, as a player makes; closed once 2 MiB are in
    const startupAt = await readRange(url, { start: 0, want: PROBE, expected, timeoutMs: TIMEOUT_MS })
    const at = seekOffset(fx, plan)
    const t1 = performance.now()
    const seekAt = await readRange(url, { start: at, end: at + PROBE - 1, want: PROBE, expected, timeoutMs: TIMEOUT_MS })
    return { startupSec: (startupAt - t0) / 1000, seekSec: (seekAt - t1) / 1000 }
  })
}

async function play(c: StreamClient, fx: TorrentFixture, plan: StreamingPlan): Promise<PlaybackRun> {
  const t0 = performance.now()
  const added = await c.add(fx.torrentFile)
  const url = c.name === 'Reel' && plan.reelDeclaresRate ? `${added}?rate=${Math.round(plan.playbackRate)}` : added
  const r = await playBack(url, {
    fileLength: fx.totalLength,
    rate: plan.playbackRate,
    aheadBytes: plan.aheadBytes,
    durationSec: plan.playbackSec,
    rebufferBytes: plan.rebufferBytes,
    firstByteTimeoutMs: TIMEOUT_MS,
    maxStalledSec: plan.playbackSec,
    expected: (at, len) => fx.expectedBytes(0, at, len),
  })
  const wallSec = (performance.now() - t0) / 1000
  const sample = await sampleProcess(c.pid).catch(() => undefined)
  return {
    startupSec: r.twoMiBAt === undefined ? undefined : (r.twoMiBAt - t0) / 1000,
    stalls: r.stalls,
    stalledSec: r.stalledSec,
    playedSec: r.playedSec,
    complete: r.complete,
    receivedBytes: r.receivedBytes,
    wallSec,
    cpuSec: sample?.cpuSeconds,
    peakRssMiB: sample === undefined ? undefined : sample.peakRssBytes / MiB,
  }
}

async function playbackRun(ctx: BenchContext, client: StreamClientName, fx: TorrentFixture, plan: StreamingPlan, run: number): Promise<PlaybackRun> {
  return withClient(ctx, client, `playback-${run}`, c => play(c, fx, plan))
}

async function webSeedRun(ctx: BenchContext, client: StreamClientName, fx: TorrentFixture, plan: StreamingPlan, run: number,
  webSeed: WebSeed, seeders: LibtorrentPeer[]): Promise<WebSeedRun> {
  const uploaded = (): number => seeders.reduce((sum, s) => sum + s.progress().uploaded, 0)
  return withClient(ctx, client, `webseed-${run}`, async c => {
    const peersBefore = uploaded()
    webSeed.resetCounters()
    const result = await play(c, fx, plan)
    await c.stop()
    // the seeders print their upload counters every 0.25 s
    await new Promise(resolve => setTimeout(resolve, 700))
    const webSeedBytes = webSeed.bytesServed()
    const peerBytes = Math.max(0, uploaded() - peersBefore)
    return { ...result, webSeedBytes, peerBytes, webSeedRequests: webSeed.requests() }
  })
}
