/**
 * The daemon's HTTP face: builds the fastify app (routes, body parsers, one error handler)
 * without listening, so tests drive it with `inject()` and `main` decides where it listens.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Engine } from '../engine/types.js'
import type { Logger } from '../log.js'
import { registerErrorHandling } from './errors.js'
import { healthRoutes } from './health.js'
import { hlsRoutes } from './hls.js'
import type { HlsPackager } from '../hls/index.js'
import { metricsRoutes } from './metrics.js'
import { FilmRates } from './film-rates.js'
import { streamRoutes } from './stream.js'
import { settingsRoutes, type SettingsRoutesInit } from './settings.js'
import { titleRoutes, type TitleRoutesInit } from './titles.js'
import { DEFAULT_TORRENT_BODY_LIMIT, torrentRoutes, type TorrentRoutesInit } from './torrents.js'
import { uiRoutes } from './ui.js'

export interface HttpAppInit {
  engine: Engine
  log: Logger
  /** Whether the engine has started and not stopped, for /healthz; the owner of the engine's lifecycle passes it. Default: always. */
  engineRunning?: () => boolean
  /** Data dir whose writability /healthz checks; unchecked when absent. */
  dataDir?: string
  /** Largest `POST /api/torrents` body; default 16 MiB. */
  torrentBodyLimit?: number
  /** Called once `POST /api/torrents` has added a torrent. */
  torrentAdded?: TorrentRoutesInit['torrentAdded']
  /** How long a stream of a magnet without metadata waits for it; default 30 s. */
  metadataTimeoutMs?: number
  /** Bytes each stream claims ahead of its read position; default 8 MiB. */
  readahead?: number
  /** `/api/titles` and `/api/player/state`; absent in tests that do not need them. */
  titles?: TitleRoutesInit
  /** `/api/settings` and `/api/sharing`; absent when the seeding policy is off. */
  seeding?: SettingsRoutesInit['seeding']
  /** Folder of the built player UI served at `/` (default dist/player-ui); false serves none. */
  uiRoot?: string | false
  /** Serves `/hls/:infoHash/:fileIndex/...` when given. */
  hls?: HlsPackager
}

/** Composes the HTTP app; call `listen()` or `inject()` on the result. */
export function buildHttpApp (init: HttpAppInit): FastifyInstance {
  const log = init.log.child({ component: 'http' })
  const app = Fastify({
    // At warn, fastify's own lines (startup banner, one per request) stay out of the journal; we log what matters.
    loggerInstance: log.child({}, { level: log.levelVal > 40 ? log.level : 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // A stream waiting for pieces must not hold up shutdown: close() ends every connection.
    forceCloseConnections: true
  })
  registerErrorHandling(app, log)
  app.addHook('onResponse', async (request, reply) => {
    log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request')
  })

  void app.register(torrentRoutes({ engine: init.engine, bodyLimit: init.torrentBodyLimit ?? DEFAULT_TORRENT_BODY_LIMIT, torrentAdded: init.torrentAdded }))
  void app.register(streamRoutes({ engine: init.engine, metadataTimeoutMs: init.metadataTimeoutMs, readahead: init.readahead, filmRates: new FilmRates(log) }))
  void app.register(healthRoutes({ engineRunning: init.engineRunning ?? (() => true), dataDir: init.dataDir }))
  void app.register(metricsRoutes({ engine: init.engine }))
  if (init.hls !== undefined) void app.register(hlsRoutes({ engine: init.engine, packager: init.hls, metadataTimeoutMs: init.metadataTimeoutMs }))
  if (init.titles !== undefined) void app.register(titleRoutes(init.titles))
  if (init.seeding !== undefined) void app.register(settingsRoutes({ seeding: init.seeding }))
  if (init.uiRoot !== false) void app.register(uiRoutes({ log, root: init.uiRoot }))
  return app
}

export { httpStatusFor, toReelError, type ErrorBody } from './errors.js'
export { localUrlOf, urlOf } from './listen-url.js'
export { streamPath } from './stream.js'
export { metricsText } from './metrics.js'
export { viewOf, type AddedTorrent, type TorrentView } from './torrents.js'
