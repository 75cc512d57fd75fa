/**
 * `reel daemon`: config, logger, data dir, the composed daemon, `listen()`, and a clean stop
 * on SIGINT/SIGTERM. `startDaemon` is shared with `reel demo`. When ready it logs exactly one
 * line with `"msg":"listening"`, the reachable `url` and the peer `torrentPort`.
 */
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { localUrlOf } from '../api/index.js'
import { buildDaemon, type Daemon } from '../app.js'
import { resolveConfig, type ReelConfig } from '../config.js'
import type { Engine } from '../engine/types.js'
import { ConfigError } from '../errors.js'
import { createLogger, type Logger } from '../log.js'
import { createSdNotifier } from './sd-notify.js'
import { listenForShutdown, untilAborted } from './signals.js'

export interface CliContext {
  env: Readonly<Record<string, string | undefined>>
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

export interface RunningDaemon extends Daemon {
  /** Base URL clients can reach, e.g. `http://127.0.0.1:8080` (the real port when `--port 0`). */
  url: string
}

/** Creates the data dir, starts the engine, listens, and logs the `listening` line. */
export async function startDaemon (init: { config: ReelConfig, log: Logger, engine?: Engine }): Promise<RunningDaemon> {
  const { config, log } = init
  await mkdir(config.dataDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(`cannot create the data dir ${config.dataDir} (${err.code ?? err.message}); pass --data-dir or set REEL_DATA_DIR`, { cause: err })
  })
  const daemon = buildDaemon(init)
  try {
    await daemon.start()
    await daemon.app.listen({ host: config.http.host, port: config.http.port })
  } catch (err) {
    await daemon.stop().catch(() => {})
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new ConfigError(`cannot listen on ${config.http.host}:${config.http.port} (${code}); pick another --port or http.host`, { cause: err })
    }
    throw err
  }
  const url = localUrlOf(daemon.app)
  log.info({ url, torrentPort: daemon.engine.torrentPort, dataDir: config.dataDir }, 'listening')
  return { ...daemon, url }
}

export async function runDaemon (argv: readonly string[], ctx: CliContext): Promise<number> {
  const config = resolveConfig({ argv, env: ctx.env, readFile: path => readFileSync(path, 'utf8') })
  const log = createLogger({ level: config.log.level, destination: ctx.stdout })
  const shutdown = listenForShutdown(log)
  // Under systemd (Type=notify): READY after listen, watchdog pets from this loop, STOPPING on the way out.
  const notifier = createSdNotifier({
    env: ctx.env,
    onError: (err, message) => { log.warn({ err, message }, 'could not notify systemd') }
  })
  try {
    const daemon = await startDaemon({ config, log })
    await notifier.ready(`listening on ${daemon.url}`)
    const stopWatchdog = notifier.startWatchdog()
    try {
      await untilAborted(shutdown.signal)
    } finally {
      stopWatchdog()
    }
    await notifier.stopping('stopping')
    await daemon.stop()
    log.info('stopped')
    return 0
  } finally {
    shutdown.dispose()
  }
}
