/**
 * Player section (issue 4, Must show 2 and 3): a viewer presses Enter on a title in the TV UI
 * and the film plays. Two generated 720p titles (MP4 with its index at the end, MKV with AC-3
 * audio) are seeded by libtorrent seeders throttled to 1 MiB/s each behind a local tracker, as
 * in the streaming section. Per run, a fresh daemon and data dir get both torrents, headless
 * Chromium opens the UI and presses Enter on the first title and on Play; measured: the time
 * to the first `playing` event, and the peak memory of the daemon and its ffmpeg processes
 * from that Enter to ~20 s into the film (and over the whole run, home screen included). Everything is on 127.0.0.1 and stopped when a run or the section ends.
 */
import { link, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { createDemoTorrent } from '../../src/cli/demo-swarm.js'
import { ensureMediaFixture, type MediaFixtureKind } from '../../src/cli/demo-media.js'
import { silentLogger } from '../../src/log.js'
import { launchBrowser, measureEnterToPlaying, playerSnapshot, waitForFocus } from '../../test/helpers/browser.js'
import { startTracker } from '../../test/helpers/fixtures.js'
import { startLibtorrentPeer } from '../../test/helpers/libtorrent.js'
import { startReelDaemon } from '../../test/helpers/reel.js'
import { errorMessage, MiB, withScope, type BenchContext } from './context.js'
import { startMemorySampler } from './player-memory.js'
import { playerReport, type PlayerOutcome, type PlayerPlan, type PlayerRun } from './player-report.js'
import type { SectionReport } from './report.js'

const CLIP = { seconds: 120, width: 1280, height: 720 } as const
const TITLES: ReadonlyArray<{ kind: MediaFixtureKind, name: string }> = [
  { kind: 'mp4-moov-end', name: 'Test Pattern (index at the end).mp4' },
  { kind: 'mkv-ac3', name: 'Test Pattern (AC-3 audio).mkv' },
]
const SEEDERS = 4
const SEEDER_RATE = MiB
const PLAY_MS = 20_000
const PLAYING_TIMEOUT_MS = 60_000

interface SwarmTitle { id: string, infoHash: string, torrentFile: Uint8Array }

/** Raised when the daemon cannot run at all, so the remaining runs are skipped. */
class DaemonUnavailableError extends Error {
  override name = 'DaemonUnavailableError'
}

export async function runPlayerBench(ctx: BenchContext): Promise<SectionReport> {
  const runs = ctx.opts.runs
  return withScope(async section => {
    const tracker = await startTracker(section)
    const mediaDir = join(ctx.workDir, 'player-media')
    const titles: SwarmTitle[] = []
    const shapes: PlayerPlan['titles'] = []
    for (const spec of TITLES) {
      ctx.log(`player: making the ${CLIP.seconds} s ${CLIP.height}p ${spec.kind} clip with ffmpeg (cached in the work dir)`)
      const clip = await ensureMediaFixture({ dir: mediaDir, kind: spec.kind, log: silentLogger(), ...CLIP })
      // the seeders' save dir holds the clip under the torrent's name; a hard link, not a copy
      const saveDir = join(ctx.workDir, 'player-swarm', spec.kind)
      await mkdir(saveDir, { recursive: true })
      await link(clip.path, join(saveDir, spec.name)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err })
      const torrent = await createDemoTorrent(join(saveDir, spec.name), spec.name, [tracker.announceUrl])
      const torrentPath = join(ctx.workDir, 'player-swarm', `${spec.kind}.torrent`)
      await writeFile(torrentPath, torrent.torrentFile)
      ctx.log(`player: starting ${SEEDERS} libtorrent seeders of ${spec.kind} at ${SEEDER_RATE / MiB} MiB/s each`)
      const seeders = await Promise.all(Array.from({ length: SEEDERS }, (_, i) => startLibtorrentPeer(section, {
        torrentPath, save: saveDir, mode: 'seed', uploadLimit: SEEDER_RATE, intervalSec: 1, name: `player-seed-${spec.kind}-${i}`, echo: false,
      })))
      await Promise.all(seeders.map(s => s.waitFinished({ timeoutMs: 180_000 })))
      titles.push({ id: `${torrent.infoHash}-0`, infoHash: torrent.infoHash, torrentFile: torrent.torrentFile })
      shapes.push({ kind: spec.kind, name: spec.name, lengthBytes: clip.length })
    }

    const outcomes: PlayerOutcome[] = []
    let unavailable: string | undefined = ctx.reelUnavailable === undefined ? undefined : `Reel daemon not available: ${ctx.reelUnavailable}`
    for (let run = 1; run <= runs; run++) {
      if (unavailable !== undefined) {
        outcomes.push({ ok: false, reason: unavailable })
        continue
      }
      ctx.log(`player run ${run}/${runs}`)
      try {
        const value = await playerRun(ctx, titles, run)
        const m = value.memory
        const mib = (bytes: number | undefined): string => bytes === undefined ? '—' : (bytes / MiB).toFixed(1)
        ctx.log(`player run ${run}: Enter→playing ${value.titleEnterToPlayingMs} ms (Play→playing ${value.playEnterToPlayingMs} ms); ` +
          `playing: daemon ${mib(m.playing?.daemonPeakBytes)} MiB, ffmpeg ${mib(m.playing?.childrenPeakBytes)} MiB; ` +
          `whole run: daemon ${mib(m.run.daemonPeakBytes)} MiB, ffmpeg ${mib(m.run.childrenPeakBytes)} MiB; Enter at ${(m.playingFromMs ?? 0).toFixed(0)} ms; children ` +
          JSON.stringify(m.children.map(c => ({ pid: c.pid, kind: c.kind, MiB: Number(mib(c.peakBytes)), playingMiB: Number(mib(c.playingPeakBytes)), ms: [Math.round(c.firstSeenMs), Math.round(c.lastSeenMs)] }))))
        outcomes.push({ ok: true, value })
      } catch (err) {
        if (err instanceof DaemonUnavailableError) unavailable = err.message
        ctx.log(`player run ${run} failed: ${errorMessage(err)}`)
        outcomes.push({ ok: false, reason: errorMessage(err) })
      }
    }
    return playerReport({ runs, seeders: SEEDERS, seederRate: SEEDER_RATE, clipSeconds: CLIP.seconds, titles: shapes, playSec: PLAY_MS / 1000 }, outcomes)
  })
}

/** One viewer on a fresh daemon; the browser, the sampler and the daemon (ffmpeg included) are stopped when it returns or throws. */
async function playerRun(ctx: BenchContext, titles: SwarmTitle[], run: number): Promise<PlayerRun> {
  return withScope(async scope => {
    const dataDir = join(ctx.workDir, `player-daemon-${run}`)
    scope.teardown(() => rm(dataDir, { recursive: true, force: true }))
    let daemon
    try {
      daemon = await startReelDaemon(scope, ctx.reelDaemon(dataDir))
    } catch (err) {
      throw new DaemonUnavailableError(`Reel daemon not available: ${errorMessage(err)}`)
    }
    const pid = daemon.process.pid
    if (pid === undefined) throw new DaemonUnavailableError('the daemon process has no pid')
    const sampler = startMemorySampler({ daemonPid: pid, daemonUrl: daemon.url })
    scope.teardown(() => sampler.stop())
    // the browser starts before the torrents are added, so its start-up is not in "add → Enter"
    const tv = await launchBrowser(scope)
    const page = await tv.newPage()
    const first = titles[0]
    if (first === undefined) throw new Error('no title to play')
    try {
      const addedAt = performance.now()
      for (const t of titles) await daemon.api.addTorrent(t.torrentFile)
      await page.goto(`${daemon.url}/`)
      const focus = await waitForFocus(page, f => f.titleId !== null, 'a title on the home screen', 30_000)
      if (focus.titleId !== first.id) throw new Error(`the home screen focused ${focus.titleId ?? '?'} first, not the first added title ${first.id}`)
      const addToEnterMs = performance.now() - addedAt
      await sampler.markPlaying()
      const timing = await measureEnterToPlaying(page, first.id, { timeoutMs: PLAYING_TIMEOUT_MS })
      const { playedSec, waitingEvents } = await keepPlaying(page, PLAY_MS)
      const memory = await sampler.stop()
      return { ...timing, addToEnterMs, playedSec, waitingEvents, memory }
    } catch (err) {
      const note = daemon.output.exited ? `; the daemon exited: ${daemon.output.stderrTail(300).replace(/\s+/g, ' ')}` : ''
      throw new Error(`${errorMessage(err)}${note}`)
    }
  })
}

interface WaitingCounter { document: { addEventListener(type: string, listener: () => void, options: { capture: boolean }): void }, __benchWaiting?: number }

/** Lets the player run for `ms`, failing on a fatal hls.js error or a problem on screen; counts `waiting` events. */
async function keepPlaying(page: Page, ms: number): Promise<{ playedSec: number, waitingEvents: number }> {
  await page.evaluate(() => {
    const g = globalThis as unknown as WaitingCounter
    g.__benchWaiting = 0
    // media events do not bubble; a capturing listener on the document sees them
    g.document.addEventListener('waiting', () => { g.__benchWaiting = (g.__benchWaiting ?? 0) + 1 }, { capture: true })
  })
  const start = await playerSnapshot(page)
  const until = performance.now() + ms
  let last = start
  while (performance.now() < until) {
    await page.waitForTimeout(Math.min(1000, Math.max(0, until - performance.now())))
    last = await playerSnapshot(page)
    if (last.hlsFatal.length > 0 || last.problem !== null) throw new Error(`playback failed: ${JSON.stringify(last)}`)
  }
  const waitingEvents = await page.evaluate(() => (globalThis as unknown as WaitingCounter).__benchWaiting ?? 0)
  return { playedSec: last.currentTime - start.currentTime, waitingEvents }
}
