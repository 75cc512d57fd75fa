/**
 * `reel daemon` with engine options its config does not carry yet: the real config
 * resolution, composition (buildDaemon through startDaemon), HTTP API and "listening" line,
 * with the engine built from `engineInitFrom(config)` plus REEL_TEST_ENGINE, a JSON object
 * `{ "tcp"?: boolean, "webrtc"?: WebRtcOptions }`. Exits on SIGTERM/SIGINT like the daemon.
 * Once `torrent.tcp` and `torrent.webrtc.*` are config keys, tests can use `reel daemon`.
 */
import { readFileSync } from 'node:fs'
import { engineInitFrom } from '../../src/app.js'
import { startDaemon } from '../../src/cli/daemon.js'
import { listenForShutdown, untilAborted } from '../../src/cli/signals.js'
import { resolveConfig } from '../../src/config.js'
import { createEngine, type EngineInit } from '../../src/engine/index.js'
import { createLogger } from '../../src/log.js'

if (process.argv[2] !== 'daemon') {
  console.error('usage: webrtc-daemon-main.ts daemon [reel daemon flags]')
  process.exit(2)
}
const extra = JSON.parse(process.env['REEL_TEST_ENGINE'] ?? '{}') as Pick<EngineInit, 'tcp' | 'webrtc'>
const config = resolveConfig({ argv: process.argv.slice(3), env: process.env, readFile: path => readFileSync(path, 'utf8') })
const log = createLogger({ level: config.log.level, destination: process.stdout })
const shutdown = listenForShutdown(log)
const engine = createEngine({ ...engineInitFrom(config, log), ...extra })
const daemon = await startDaemon({ config, log, engine })
await untilAborted(shutdown.signal)
await daemon.stop()
log.info('stopped')
shutdown.dispose()
process.exit(0)
