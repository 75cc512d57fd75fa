import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { buildDaemon, engineInitFrom } from '../../src/app.js'
import { defaultConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log.js'
import { FakeEngine, FakeTorrent, patternBytes } from './fixtures/fake-engine.js'

t.test('the daemon starts the engine, then answers healthy; stop stops both', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'reel-app-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const engine = new FakeEngine()
  const config = { ...defaultConfig(), dataDir }
  const daemon = buildDaemon({ config, log: silentLogger(), engine })
  t.equal(daemon.engine, engine)
  t.equal((await daemon.app.inject({ url: '/healthz' })).statusCode, 503, 'not healthy before start')
  await daemon.start()
  t.equal(engine.running, true)
  t.equal((await daemon.app.inject({ url: '/healthz' })).statusCode, 200)
  t.equal(daemon.app.server.listening, false, 'buildDaemon does not listen')
  await daemon.stop()
  await daemon.stop()
  t.equal(engine.running, false)
})

t.test('the engine init comes from the config', async t => {
  const config = defaultConfig({}, true)
  config.torrent.port = 7000
  config.limits.uploadRate = 1000
  const init = engineInitFrom(config, silentLogger())
  t.match(init, {
    dataDir: '/var/lib/reel',
    torrentPort: 7000,
    torrentHost: '0.0.0.0',
    dht: true,
    lsd: true,
    upnp: true,
    maxConnections: 200,
    maxConnectionsPerTorrent: 60,
    uploadRateLimit: 1000,
    downloadRateLimit: 0
  })
})

t.test('stop does not wait for a stream that is waiting for pieces', { timeout: 10_000 }, async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'reel-app-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const engine = new FakeEngine()
  const film = engine.put(new FakeTorrent({ name: 'Film', verified: false, files: [{ path: 'film.mp4', content: patternBytes(1000) }] }))
  const daemon = buildDaemon({ config: { ...defaultConfig(), dataDir }, log: silentLogger(), engine })
  await daemon.start()
  await daemon.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = daemon.app.server.address() as AddressInfo
  const response = fetch(`http://127.0.0.1:${port}/stream/${film.infoHash}/0`).then(async res => await res.arrayBuffer()).catch((err: unknown) => err)
  while (film.pendingReads() === 0) await sleep(5)
  await daemon.stop()
  t.type(await response, Error, 'the client saw the connection end')
  for (let i = 0; i < 200 && film.readers[0]?.closed !== true; i++) await sleep(5)
  t.equal(film.readers[0]?.closed, true, 'the stalled stream was ended and its reader closed')
  t.equal(engine.running, false)
})

t.test('after a restart, the sharing budget is in force before the engine meets a peer: a pause made before the restart holds from its start', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'reel-app-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const config = { ...defaultConfig(), dataDir }
  config.torrent = { ...config.torrent, host: '127.0.0.1', port: 0, dht: false, lsd: false, upnp: false, webrtc: { ...config.torrent.webrtc, enabled: false } }
  const first = buildDaemon({ config, log: silentLogger() })
  await first.start()
  await first.seeding!.updateSettings({ paused: true })
  await first.stop()

  const again = buildDaemon({ config, log: silentLogger() })
  const engine = again.engine as typeof again.engine & { start: () => Promise<void> }
  const startEngine = engine.start.bind(engine)
  let allowanceAtEngineStart: unknown
  engine.start = async () => {
    allowanceAtEngineStart = again.seeding!.sharing().allowance
    await startEngine()
  }
  await again.start()
  t.teardown(async () => { await again.stop() })
  t.match(allowanceAtEngineStart, { mode: 'closed', reason: 'paused' }, 'uploads were closed when the engine started')
})
