/**
 * Composition root: wires the engine and the HTTP app from a config. It does not listen and
 * has no logic of its own; `reel daemon` adds signals and `listen()`, tests use `inject()`.
 */
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { ReelConfig } from './config.js'
import { buildHttpApp, localUrlOf, streamPath } from './api/index.js'
import { createEngine, type Engine, type EngineInit } from './engine/index.js'
import { createHlsPackager, type HlsPackager } from './hls/index.js'
import type { Logger } from './log.js'
import { createCatalog, createWatchHistory, openingBytes, OPENING_GUESS_BYTES, PlayerPresence, TitlePrefetch } from './rental/index.js'
import { createSeedingPolicy, type SeedingPolicy } from './seeding/index.js'
import type { WebRtcOptions } from './wire/webrtc-peer.js'

export interface DaemonInit {
  config: ReelConfig
  log: Logger
  /** Replaces the engine built from config (tests pass a fake; it gets no seeding policy). */
  engine?: Engine
  /** Folder of the built player UI; default dist/player-ui, false serves none. */
  uiRoot?: string | false
}

export interface Daemon {
  app: FastifyInstance
  engine: Engine
  /** The sharing budget in force; absent with an injected engine or `seeding.enabled: false`. */
  seeding: SeedingPolicy | undefined
  /** The HLS packager behind `/hls` (its `stats()` lists ffmpeg PIDs for the bench). */
  hls: HlsPackager
  /** Starts the engine and readies the HTTP app (routes compiled), without listening. */
  start: () => Promise<void>
  /** Closes the HTTP app (and its listener, if any), then stops the engine. Safe to call twice. */
  stop: () => Promise<void>
}

/** The engine's init from the daemon's config. */
export function engineInitFrom (config: ReelConfig, log: Logger): EngineInit {
  return {
    dataDir: config.dataDir,
    torrentPort: config.torrent.port,
    torrentHost: config.torrent.host,
    dht: config.torrent.dht,
    lsd: config.torrent.lsd,
    upnp: config.torrent.upnp,
    maxConnections: config.torrent.maxConnections,
    maxConnectionsPerTorrent: config.torrent.maxConnectionsPerTorrent,
    uploadRateLimit: config.limits.uploadRate,
    downloadRateLimit: config.limits.downloadRate,
    tcp: config.torrent.tcp,
    webrtc: webRtcOptionsFrom(config.torrent.webrtc),
    memoryBudget: config.limits.memoryBudget,
    log
  }
}

/** The engine's WebRTC options, or undefined when WebRTC is off. */
function webRtcOptionsFrom (webrtc: ReelConfig['torrent']['webrtc']): WebRtcOptions | undefined {
  if (!webrtc.enabled) return undefined
  return {
    stunServers: webrtc.stunServers,
    ...(webrtc.host === undefined ? {} : { bindAddress: webrtc.host }),
    ...(webrtc.portMin > 0 && webrtc.portMax > 0 ? { portRange: { first: webrtc.portMin, last: webrtc.portMax } } : {})
  }
}

export function buildDaemon (init: DaemonInit): Daemon {
  const { config, log } = init
  const ownEngine = init.engine === undefined ? createEngine(engineInitFrom(config, log)) : undefined
  const engine: Engine = init.engine ?? ownEngine as Engine
  const history = createWatchHistory({ dataDir: config.dataDir, log })
  const catalog = createCatalog({ engine, history })
  const presence = new PlayerPresence()
  // The policy drives the engine's upload limits and choking, so only an engine built here has one.
  const seeding = ownEngine !== undefined && config.seeding.enabled
    ? createSeedingPolicy({ dataDir: config.dataDir }, {
      engine: ownEngine,
      log,
      player: { isPlayingVisible: () => { const now = presence.current(); return now.playing && now.visible } }
    })
    : undefined
  let running = false
  let stopping: Promise<void> | undefined
  const hls = createHlsPackager({
    cacheDir: join(config.dataDir, 'hls'),
    cacheLimitBytes: config.hls.cacheLimitBytes,
    idleSessionMs: config.hls.idleSessionMs,
    ffmpegPath: config.hls.ffmpegPath,
    ffprobePath: config.hls.ffprobePath,
    // ffmpeg reads through our own /stream route, so its reads become piece deadlines.
    streamUrl: (infoHash, fileIndex, reading) => `${localUrlOf(app)}${streamPath(infoHash, fileIndex, reading)}`,
    log
  })
  // Each new film's index is read and probed ahead and its opening fetched first, so Play
  // waits for neither. It reads through /stream, so it starts once the app listens.
  const prefetch = new TitlePrefetch({
    catalog,
    log,
    prepare: async title => {
      const torrent = engine.get(title.infoHash)
      const file = torrent?.files()[title.fileIndex]
      if (torrent === undefined || file === undefined) return
      torrent.fetchFirst(file.index, OPENING_GUESS_BYTES)
      const { durationSeconds } = await hls.prepare({ infoHash: title.infoHash, fileIndex: file.index, path: file.path, length: file.length })
      torrent.fetchFirst(file.index, openingBytes(file.length, durationSeconds))
    },
    paused: () => hls.playing()
  })
  const app = buildHttpApp({
    engine,
    hls,
    log,
    dataDir: config.dataDir,
    engineRunning: () => running,
    // a new film is prepared at once rather than at the prefetch's next look
    torrentAdded: () => { prefetch.check() },
    titles: { catalog, history, presence, presenceChanged: () => seeding?.presenceChanged(), titlesListed: () => { prefetch.check() } },
    seeding,
    uiRoot: init.uiRoot
  })

  app.addHook('onListen', async () => { prefetch.start() })

  return {
    app,
    engine,
    seeding,
    hls,
    async start () {
      await history.start()
      // The sharing budget is in force before the engine restores a torrent or meets a peer;
      // started after it, a pause or a reached monthly cap held only from the policy's first tick.
      await seeding?.start()
      await engine.start()
      running = true
      await hls.start()
      await app.ready()
    },
    async stop () {
      stopping ??= (async () => {
        try {
          // ffmpeg first: it reads /stream, whose connections app.close() cuts. Stopping the
          // packager also ends a probe the prefetch may be waiting on.
          const prefetching = prefetch.stop()
          await hls.stop()
          await prefetching
          await app.close()
        } finally {
          running = false
          await seeding?.stop()
          await history.stop()
          await engine.stop()
        }
      })()
      await stopping
    }
  }
}
