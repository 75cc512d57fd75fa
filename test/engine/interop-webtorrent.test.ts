import t from 'tap'
import { join } from 'node:path'
import { readFile } from 'node:fs/promises'
import { createEngine } from '../../src/engine/index.js'
import { silentLogger } from '../../src/log.js'
import { makeTorrentFixture, startTracker, tempDir } from '../helpers/fixtures.js'
import { startWebtorrentPeer } from '../helpers/webtorrent.js'

t.test('engine downloads a multi-file torrent from two webtorrent seeders byte-identical', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, {
    name: 'WebFilm', pieceLength: 32 * 1024, announce: [tracker.announceUrl],
    files: [{ path: 'part1.mkv', length: 2_100_000 }, { path: 'notes/readme.txt', length: 999 }, { path: 'part2.mkv', length: 900_000 }]
  })
  await startWebtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'wt-seed-1' })
  await startWebtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'wt-seed-2' })
  const dataDir = await tempDir(t)
  const engine = createEngine({
    dataDir, torrentPort: 0, torrentHost: '127.0.0.1', dht: false, lsd: false, upnp: false,
    maxConnections: 50, maxConnectionsPerTorrent: 20, uploadRateLimit: 0, downloadRateLimit: 0, log: silentLogger(), seed: 7
  })
  await engine.start()
  t.teardown(() => engine.stop())
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  const started = Date.now()
  while (torrent.stats().progress < 1) {
    if (Date.now() - started > 60_000) throw new Error(`stuck at ${JSON.stringify(torrent.stats())}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  for (const [index, file] of fixture.files.entries()) {
    const got = await readFile(join(dataDir, 'data', fixture.infoHash, 'WebFilm', file.path))
    t.ok(got.equals(fixture.expectedBytes(index, 0, file.length)), `${file.path} is byte-identical`)
  }
  t.equal(torrent.stats().hashFailures, 0)
})
