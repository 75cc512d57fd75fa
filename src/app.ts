/**
 * Composition root: wires the engine and the HTTP app from a config. It does not listen and
 * has no logic of its own; `reel daemon` adds signals and `listen()`, tests use `inject()`.
 */
import type { FastifyInstance } from 'fastify'
import type { ReelConfig } from './config.js'
import { buildHttpApp } from './api/index.js'
import { createEngine, type Engine, type EngineInit } from './engine/index.js'
import type { Logger } from './log.js'

export interface DaemonInit {
  config: ReelConfig
  log: Logger
  /** Replaces the engine built from config (tests pass a fake). */
  engine?: Engine
}

export interface Daemon {
  app: FastifyInstance
  engine: Engine
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
    memoryBudget: config.limits.memoryBudget,
    log
  }
}

export function buildDaemon (init: DaemonInit): Daemon {
  const engine = init.engine ?? createEngine(engineInitFrom(init.config, init.log))
  let running = false
  let stopping: Promise<void> | undefined
  const app = buildHttpApp({
    engine,
    log: init.log,
    dataDir: init.config.dataDir,
    engineRunning: () => running
  })

  return {
    app,
    engine,
    async start () {
      await engine.start()
      running = true
      await app.ready()
    },
    async stop () {
      stopping ??= (async () => {
        try {
          await app.close()
        } finally {
          running = false
          await engine.stop()
        }
      })()
      await stopping
    }
  }
}
