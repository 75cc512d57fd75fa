/**
 * `reel demo`: everything a box needs to show films, on one machine and the loopback only.
 * It makes (or reuses) three generated titles (MP4 with its index at the end, MKV with AC-3
 * audio, MP4 with its index in front), starts a local tracker, a web seed of the media folder
 * and two seeders, starts the daemon with discovery off and its peer listener on 127.0.0.1,
 * adds the torrents, and prints the UI's URL as a human line and a `"msg":"demo ready"` log
 * line. SIGINT/SIGTERM stop all it started, in reverse order. The demo dir is `--data-dir`
 * (default `demo/` under the default data dir): `media/` (cached clips), `seeder-N/`,
 * `daemon/` (emptied each run, so the films really come from the swarm). The daemon's peer
 * port defaults to a free one.
 */
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { defaultConfig, resolveConfig, type ReelConfig } from '../config.js'
import type { Engine } from '../engine/types.js'
import { AbortedError, DuplicateTorrentError } from '../errors.js'
import { createLogger, type Logger } from '../log.js'
import { startDaemon, type CliContext } from './daemon.js'
import { DEMO_CLIP_NAME, DEMO_CLIP_SECONDS, ensureDemoClip, ensureMediaFixture, type DemoClip } from './demo-media.js'
import { createDemoTorrent, startLocalTracker, startSeeder, type SeededFile } from './demo-swarm.js'
import { startDemoWebSeed } from './demo-web-seed.js'
import { listenForShutdown, untilAborted } from './signals.js'

export const DEMO_SEEDERS = 2

/** Defaults of `reel demo`: its own dir under the default data dir, and a free peer port. */
export function demoDefaults (env: CliContext['env'], isRoot: boolean): ReelConfig {
  const defaults = defaultConfig(env, isRoot)
  return { ...defaults, dataDir: join(defaults.dataDir, 'demo'), torrent: { ...defaults.torrent, port: 0 } }
}

/** The daemon's config inside the demo: its own data dir, and nothing that leaves the machine. */
export function demoDaemonConfig (config: ReelConfig, root: string): ReelConfig {
  return {
    ...config,
    dataDir: join(root, 'daemon'),
    torrent: {
      ...config.torrent,
      host: '127.0.0.1',
      dht: false,
      lsd: false,
      upnp: false,
      webrtc: { ...config.torrent.webrtc, stunServers: [], host: '127.0.0.1' }
    }
  }
}

export async function runDemo (argv: readonly string[], ctx: CliContext): Promise<number> {
  const isRoot = process.getuid?.() === 0
  const config = resolveConfig({
    argv, env: ctx.env, readFile: path => readFileSync(path, 'utf8'), isRoot, defaults: demoDefaults(ctx.env, isRoot)
  })
  const log = createLogger({ level: config.log.level, destination: ctx.stdout })
  const shutdown = listenForShutdown(log)
  const cleanups: Array<{ what: string, run: () => Promise<void> }> = []
  try {
    await startDemo({ config, root: config.dataDir, log, signal: shutdown.signal, ctx, cleanups })
    await untilAborted(shutdown.signal)
    return 0
  } catch (err) {
    if (err instanceof AbortedError && shutdown.signal.aborted) return 0
    throw err
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup.run().catch((err: unknown) => { log.warn({ err, what: cleanup.what }, 'could not stop cleanly') })
    }
    shutdown.dispose()
    log.info('demo stopped')
  }
}

interface DemoRun {
  config: ReelConfig
  root: string
  log: Logger
  signal: AbortSignal
  ctx: CliContext
  /** Stops for everything started so far, run in reverse order. */
  cleanups: Array<{ what: string, run: () => Promise<void> }>
}

/** A title of the demo: how its file is made and what the viewer sees it called. */
interface DemoTitleSpec {
  /** The file's name in its torrent (the catalog turns it into the title's name). */
  name: string
  make: (dir: string, log: Logger, signal: AbortSignal) => Promise<DemoClip>
}

/** Generated titles are 720p, as long as the original demo clip. */
const DEMO_SHAPE = { seconds: DEMO_CLIP_SECONDS, width: 1280, height: 720 } as const

/** The demo's titles, first on the home screen first: MP4 with its index at the end, MKV with AC-3 audio, MP4 with its index in front. */
const DEMO_TITLES: readonly DemoTitleSpec[] = [
  { name: 'Test Pattern (index at the end).mp4', make: async (dir, log, signal) => await ensureMediaFixture({ dir, kind: 'mp4-moov-end', log, signal, ...DEMO_SHAPE }) },
  { name: 'Test Pattern (AC-3 audio).mkv', make: async (dir, log, signal) => await ensureMediaFixture({ dir, kind: 'mkv-ac3', log, signal, ...DEMO_SHAPE }) },
  { name: DEMO_CLIP_NAME, make: async (dir, log, signal) => await ensureDemoClip({ dir, log, signal }) }
]

async function startDemo (run: DemoRun): Promise<void> {
  const { root, log, signal, cleanups } = run
  const demoLog = log.child({ component: 'demo' })
  const checkpoint = (): void => { if (signal.aborted) throw new AbortedError('the demo was stopped') }
  const mediaDir = join(root, 'media')

  const clips: DemoClip[] = []
  for (const title of DEMO_TITLES) {
    clips.push(await title.make(mediaDir, demoLog, signal))
    checkpoint()
  }
  const tracker = await startLocalTracker(demoLog)
  cleanups.push({ what: 'tracker', run: tracker.close })
  const webSeed = await startDemoWebSeed({ dir: mediaDir, log: demoLog })
  cleanups.push({ what: 'web seed', run: webSeed.close })
  const files: SeededFile[] = []
  for (const [i, title] of DEMO_TITLES.entries()) {
    const clip = clips[i] as DemoClip
    const urlList = [webSeed.baseUrl + encodeURIComponent(basename(clip.path))]
    const torrent = await createDemoTorrent(clip.path, title.name, tracker.announce, urlList)
    demoLog.info({ infoHash: torrent.infoHash, title: torrent.name, length: clip.length }, 'demo torrent made')
    files.push({ clipPath: clip.path, torrent })
  }

  const seeders: Engine[] = []
  for (let i = 1; i <= DEMO_SEEDERS; i++) {
    checkpoint()
    const seeder = await startSeeder({ dir: join(root, `seeder-${i}`), files, signal, log: log.child({ seeder: i }) })
    seeders.push(seeder)
    cleanups.push({ what: `seeder ${i}`, run: async () => { await seeder.stop() } })
  }

  checkpoint()
  const daemonConfig = demoDaemonConfig(run.config, root)
  await rm(daemonConfig.dataDir, { recursive: true, force: true })
  const daemon = await startDaemon({ config: daemonConfig, log })
  cleanups.push({ what: 'daemon', run: daemon.stop })
  for (const { torrent } of files) {
    try {
      await daemon.engine.add({ torrentFile: torrent.torrentFile })
    } catch (err) {
      if (!(err instanceof DuplicateTorrentError)) throw err
    }
  }

  const streamUrl = `${daemon.url}/stream/${files[0]?.torrent.infoHash ?? ''}/0`
  run.ctx.stdout.write(`Reel demo ready: open ${daemon.url}/ for the TV UI (arrow keys, Enter, Escape), or stream ${streamUrl}  (Ctrl-C stops the demo)\n`)
  demoLog.info({
    url: daemon.url,
    uiUrl: `${daemon.url}/`,
    streamUrl,
    titles: files.map(f => ({ infoHash: f.torrent.infoHash, title: f.torrent.name })),
    trackers: tracker.announce,
    webSeed: webSeed.baseUrl,
    seederPorts: seeders.map(s => s.torrentPort),
    dataDir: root
  }, 'demo ready')
}
