import t from 'tap'
import { join } from 'node:path'
import { compareDirs, makeTorrentFixture, startTracker, tempDir } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'

t.test('a libtorrent leecher gets a byte-identical copy from a libtorrent seeder via the local tracker', async t => {
  const tracker = await startTracker(t)
  const fx = await makeTorrentFixture(t, {
    name: 'multi',
    files: [
      { path: 'a.bin', length: 300_000 },
      { path: 'sub/b.bin', length: 65_536 },
      { path: 'sub/deeper/c.txt', length: 1 },
      { path: 'd.bin', length: 1_000_003 },
    ],
    pieceLength: 32 * 1024,
    announce: [tracker.announceUrl],
  })
  const seeder = await startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed' })
  t.equal(seeder.infoHash, fx.infoHash, 'libtorrent computes the same info hash')
  await seeder.waitFinished({ timeoutMs: 10_000 })

  const save = join(await tempDir(t), 'leech')
  const leecher = await startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save, mode: 'leech' })
  await leecher.waitFinished({ timeoutMs: 15_000 })
  const cmp = await compareDirs(fx.dir, save)
  t.same(cmp.differences, [], 'the downloaded tree equals the original')
  t.equal(leecher.progress().hashFails, 0)
  t.ok((tracker.swarm(fx.infoHash)?.complete ?? 0) >= 1, 'the tracker knows a seeder')
})

t.test('a libtorrent leecher can start from a magnet and a direct peer address', async t => {
  const fx = await makeTorrentFixture(t, { files: [{ path: 'one.bin', length: 200_000 }], pieceLength: 16 * 1024 })
  const seeder = await startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed', seedMode: true })
  const save = join(await tempDir(t), 'leech')
  const leecher = await startLibtorrentPeer(t, { magnet: fx.magnet, save, mode: 'leech', peers: [`127.0.0.1:${seeder.port}`] })
  await leecher.waitFinished({ timeoutMs: 15_000 })
  t.same((await compareDirs(fx.dir, save)).differences, [])
})

t.test('an upload limit holds on loopback', async t => {
  const fx = await makeTorrentFixture(t, { files: [{ path: 'slow.bin', length: 600_000 }], pieceLength: 16 * 1024 })
  const seeder = await startLibtorrentPeer(t, {
    torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed', uploadLimit: 200_000,
  })
  await seeder.waitFinished()
  const save = join(await tempDir(t), 'leech')
  const started = Date.now()
  const leecher = await startLibtorrentPeer(t, {
    torrentPath: fx.torrentPath, save, mode: 'leech', peers: [`127.0.0.1:${seeder.port}`],
  })
  await leecher.waitFinished({ timeoutMs: 15_000 })
  const seconds = (Date.now() - started) / 1000
  t.ok(seconds > 2, `600 kB at 200 kB/s took ${seconds.toFixed(1)} s`)
})
