/**
 * `reel demo`: everything a box needs to show a stream, on one machine and the loopback only.
 * It makes (or reuses) the clip, starts a local tracker and two seeders, starts the daemon with
 * discovery off and its peer listener on 127.0.0.1, adds the torrent, and prints the stream URL
 * as a human line and a `"msg":"demo ready"` log line. SIGINT/SIGTERM stop all it started,
 * in reverse order. The demo dir is `--data-dir` (default `demo/` under the default data dir):
 * `media/` (cached clip), `seeder-N/`, `daemon/` (emptied each run, so the stream really comes
 * from the swarm). The daemon's peer port defaults to a free one.
 */
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultConfig, resolveConfig, type ReelConfig } from '../config.js'
import type { Engine } from '../engine/types.js'
import { AbortedError, DuplicateTorrentError } from '../errors.js'
import { createLogger, type Logger } from '../log.js'
import { startDaemon, type CliContext } from './daemon.js'
import { DEMO_CLIP_NAME, ensureDemoClip } from './demo-media.js'
import { createDemoTorrent, startLocalTracker, startSeeder } from './demo-swarm.js'
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

async function startDemo (run: DemoRun): Promise<void> {
  const { root, log, signal, cleanups } = run
  const demoLog = log.child({ component: 'demo' })
  const checkpoint = (): void => { if (signal.aborted) throw new AbortedError('the demo was stopped') }

  const clip = await ensureDemoClip({ dir: join(root, 'media'), log: demoLog, signal })
  checkpoint()
  const tracker = await startLocalTracker(demoLog)
  cleanups.push({ what: 'tracker', run: tracker.close })
  const torrent = await createDemoTorrent(clip.path, DEMO_CLIP_NAME, tracker.announce)
  demoLog.info({ infoHash: torrent.infoHash, title: torrent.name, length: clip.length }, 'demo torrent made')

  const seeders: Engine[] = []
  for (let i = 1; i <= DEMO_SEEDERS; i++) {
    checkpoint()
    const seeder = await startSeeder({
      dir: join(root, `seeder-${i}`), clipPath: clip.path, torrent, signal, log: log.child({ seeder: i })
    })
    seeders.push(seeder)
    cleanups.push({ what: `seeder ${i}`, run: async () => { await seeder.stop() } })
  }

  checkpoint()
  const daemonConfig = demoDaemonConfig(run.config, root)
  await rm(daemonConfig.dataDir, { recursive: true, force: true })
  const daemon = await startDaemon({ config: daemonConfig, log })
  cleanups.push({ what: 'daemon', run: daemon.stop })
  try {
    await daemon.engine.add({ torrentFile: torrent.torrentFile })
  } catch (err) {
    if (!(err instanceof DuplicateTorrentError)) throw err
  }

  const streamUrl = `${daemon.url}/stream/${torrent.infoHash}/0`
  run.ctx.stdout.write(`Reel demo ready: stream ${streamUrl}  (Ctrl-C stops the demo)\n`)
  demoLog.info({
    url: daemon.url,
    streamUrl,
    infoHash: torrent.infoHash,
    title: torrent.name,
    trackers: tracker.announce,
    seederPorts: seeders.map(s => s.torrentPort),
    dataDir: root
  }, 'demo ready')
}
