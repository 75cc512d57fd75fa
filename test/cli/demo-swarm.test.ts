import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import parseTorrent from 'parse-torrent'
import { defaultConfig } from '../../src/config.js'
import { startDaemon } from '../../src/cli/daemon.js'
import { demoDaemonConfig } from '../../src/cli/demo.js'
import { createDemoTorrent, startLocalTracker, startSeeder } from '../../src/cli/demo-swarm.js'
import { createEngine } from '../../src/engine/index.js'
import { silentLogger } from '../../src/log.js'

async function tempDir (t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reel-swarm-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

/** The real engine, or why the tests that need it must wait. */
function engineMissing (): string | false {
  try {
    createEngine({
      dataDir: join(tmpdir(), 'reel-probe'), torrentPort: 0, torrentHost: '127.0.0.1', dht: false, lsd: false, upnp: false,
      maxConnections: 1, maxConnectionsPerTorrent: 1, uploadRateLimit: 0, downloadRateLimit: 0, log: silentLogger()
    })
    return false
  } catch (err) {
    if (/engine not yet written/.test((err as Error).message)) return 'the engine is not written yet'
    throw err
  }
}

t.test('the local tracker listens on 127.0.0.1 over HTTP and UDP', async t => {
  const tracker = await startLocalTracker(silentLogger())
  t.teardown(tracker.close)
  t.equal(tracker.announce.length, 2)
  t.match(tracker.announce[0], /^http:\/\/127\.0\.0\.1:\d+\/announce$/)
  t.match(tracker.announce[1], /^udp:\/\/127\.0\.0\.1:\d+$/)
  const res = await fetch(tracker.announce[0] ?? '')
  t.match(await res.text(), /failure reason/, 'the HTTP tracker answers (an announce without parameters is refused)')
})

t.test('the demo torrent announces only to the given trackers, and its info hash ignores them', async t => {
  const dir = await tempDir(t)
  const clip = join(dir, 'clip.mp4')
  await writeFile(clip, randomBytes(600 * 1024))
  const a = await createDemoTorrent(clip, 'reel-demo.mp4', ['http://127.0.0.1:1/announce', 'udp://127.0.0.1:2'])
  const b = await createDemoTorrent(clip, 'reel-demo.mp4', ['http://127.0.0.1:3/announce'])
  t.equal(a.infoHash, b.infoHash)
  t.match(a.infoHash, /^[0-9a-f]{40}$/)
  const parsed = await parseTorrent(a.torrentFile)
  t.same(parsed.announce, ['http://127.0.0.1:1/announce', 'udp://127.0.0.1:2'])
  t.equal(parsed.name, 'reel-demo.mp4')
  t.equal(parsed.pieceLength, 256 * 1024)
})

t.test('a seeder and the daemon form a swarm that streams the clip', { skip: engineMissing(), timeout: 60_000 }, async t => {
  const dir = await tempDir(t)
  const clip = join(dir, 'clip.mp4')
  const content = randomBytes(3 * 1024 * 1024 + 123)
  await writeFile(clip, content)
  const log = silentLogger()
  const tracker = await startLocalTracker(log)
  t.teardown(tracker.close)
  const torrent = await createDemoTorrent(clip, 'reel-demo.mp4', tracker.announce)
  const seeder = await startSeeder({ dir: join(dir, 'seeder-1'), files: [{ clipPath: clip, torrent }], log })
  t.teardown(async () => { await seeder.stop() })
  t.equal(seeder.get(torrent.infoHash)?.stats().progress, 1, 'the seeder holds every piece')

  const config = demoDaemonConfig({ ...defaultConfig(), http: { host: '127.0.0.1', port: 0 }, torrent: { ...defaultConfig().torrent, port: 0 } }, dir)
  const daemon = await startDaemon({ config, log })
  t.teardown(daemon.stop)
  await daemon.engine.add({ torrentFile: torrent.torrentFile })
  const res = await fetch(`${daemon.url}/stream/${torrent.infoHash}/0`, { headers: { range: 'bytes=1000000-' } })
  t.equal(res.status, 206)
  t.same(Buffer.from(await res.arrayBuffer()), content.subarray(1000000))
})
