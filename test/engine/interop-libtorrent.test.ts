import t from 'tap'
import { join } from 'node:path'
import { cp, readFile } from 'node:fs/promises'
import { makeTorrentFixture, startTracker, tempDir } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { startTestEngine, untilComplete } from '../helpers/engine.js'

t.test('engine downloads a multi-file torrent from two libtorrent seeders via a tracker', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, {
    name: 'Film', pieceLength: 64 * 1024, announce: [tracker.announceUrl],
    files: [{ path: 'a.mp4', length: 3_000_000 }, { path: 'extras/b.srt', length: 70_001 }, { path: 'c.bin', length: 1_234_567 }]
  })
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'lt-seed-1' })
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'lt-seed-2' })
  const engine = await startTestEngine(t)
  const dataDir = engine.dataDir
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  await untilComplete(torrent)
  for (const file of fixture.files) {
    const got = await readFile(join(dataDir, 'data', fixture.infoHash, 'Film', file.path))
    t.ok(got.equals(fixture.expectedBytes(fixture.files.indexOf(file), 0, file.length)), `${file.path} is byte-identical`)
  }
  t.equal(torrent.stats().hashFailures, 0)
})

t.test('a libtorrent leecher downloads a torrent seeded only by the engine', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, {
    name: 'Seeded', pieceLength: 32 * 1024, announce: [tracker.announceUrl],
    files: [{ path: 'one.bin', length: 2_000_001 }, { path: 'two.bin', length: 500_000 }]
  })
  const dataDir = await tempDir(t)
  await cp(fixture.dir, join(dataDir, 'data', fixture.infoHash), { recursive: true })
  const engine = await startTestEngine(t, { dataDir })
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  await untilComplete(torrent)
  const save = await tempDir(t)
  const leecher = await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save, mode: 'leech', name: 'lt-leech' })
  await leecher.waitFinished({ timeoutMs: 60_000 })
  for (const [index, file] of fixture.files.entries()) {
    const got = await readFile(join(save, 'Seeded', file.path))
    t.ok(got.equals(fixture.expectedBytes(index, 0, file.length)), `${file.path} reached libtorrent byte-identical`)
  }
  t.ok(torrent.stats().uploadedBytes >= fixture.totalLength, 'every byte came from the engine')
})

t.test('a magnet link is fetched from a libtorrent seeder (ut_metadata) and downloaded', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, { name: 'Magnet', pieceLength: 32 * 1024, announce: [tracker.announceUrl], files: [{ path: 'm.bin', length: 1_500_000 }, { path: 'n.bin', length: 3 }] })
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed' })
  const dataDir = await tempDir(t)
  const engine = await startTestEngine(t, { dataDir })
  const torrent = await engine.add({ magnet: fixture.magnet })
  await torrent.whenMetadata()
  t.equal(torrent.name, 'Magnet')
  await untilComplete(torrent)
  for (const [index, file] of fixture.files.entries()) {
    t.ok((await readFile(join(dataDir, 'data', fixture.infoHash, 'Magnet', file.path))).equals(fixture.expectedBytes(index, 0, file.length)), `${file.path} is byte-identical`)
  }
})

t.test('a peer sending corrupt pieces is banned and the download completes from the others', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, { name: 'Corrupt', pieceLength: 32 * 1024, announce: [tracker.announceUrl], files: [{ path: 'x.bin', length: 2_000_000 }] })
  // The corrupt seeder damages the files it is given: it gets its own copy.
  const liarDir = await tempDir(t)
  await cp(fixture.dir, liarDir, { recursive: true })
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: liarDir, mode: 'seed', corrupt: true, name: 'lt-liar' })
  const dataDir = await tempDir(t)
  const engine = await startTestEngine(t, { dataDir })
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  const started = Date.now()
  while (torrent.stats().bannedPeers === 0) {
    if (Date.now() - started > 30_000) throw new Error(`liar never banned: ${JSON.stringify(torrent.stats())}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  t.ok(torrent.stats().hashFailures >= 2, 'the liar\'s pieces failed verification')
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'lt-honest' })
  await untilComplete(torrent)
  t.ok((await readFile(join(dataDir, 'data', fixture.infoHash, 'Corrupt'))).equals(fixture.expectedBytes(0, 0, 2_000_000)), 'the result is byte-identical')
  t.equal(torrent.stats().peers <= 1, true, 'the liar stays disconnected')
})
