/**
 * Power-cut behaviour of the whole daemon: kill -9 in the middle of a download, start again
 * on the same data dir, and nothing verified is fetched again; the result is byte-identical.
 */
import t from 'tap'
import { makeTorrentFixture, startTracker } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { startReelDaemon, type TorrentStatus } from '../helpers/reel.js'


t.test('after kill -9 mid-download, a restarted daemon keeps its verified pieces and finishes byte-identical', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, {
    name: 'Restart', pieceLength: 64 * 1024, announce: [tracker.announceUrl],
    files: [{ path: 'movie.mkv', length: 6_000_000 }, { path: 'poster.jpg', length: 123_457 }]
  })
  // Throttled seeders so the kill lands mid-download.
  const seeders = []
  for (const name of ['lt-slow-1', 'lt-slow-2']) {
    seeders.push(await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', uploadLimit: 600 * 1024, name }))
  }
  const first = await startReelDaemon(t)
  await first.api.addTorrent(fixture.torrentFile)
  let before: TorrentStatus
  for (;;) {
    before = await first.api.get(fixture.infoHash)
    if (before.progress >= 0.3) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.ok(before.progress < 0.9, `killed mid-download (at ${(before.progress * 100).toFixed(0)} %)`)
  // Pieces verified now are journaled within a second; wait past that, then cut the power.
  await new Promise(resolve => setTimeout(resolve, 1500))
  first.kill('SIGKILL')
  await first.waitExit()

  // One seeder from here on: with a single peer no block is ever requested twice (no endgame
  // duplicates), so every byte downloaded after the restart is a byte that was missing.
  await seeders[1]?.stop()
  const second = await startReelDaemon(t, { dataDir: first.dataDir })
  const restored = await second.api.get(fixture.infoHash)
  const verifiedBefore = before.verifiedPieces as number
  const verifiedAtStart = restored.verifiedPieces as number
  t.ok(verifiedAtStart >= verifiedBefore, `the torrent came back with ${verifiedAtStart} verified pieces (had ${verifiedBefore} 1.5 s before the kill)`)
  // The daemon may have fetched a little between starting and this first answer: count from here.
  const verifiedBytes = (status: TorrentStatus): number => (status.files as Array<{ verifiedBytes: number }>).reduce((sum, file) => sum + file.verifiedBytes, 0)
  const missingAtRestore = fixture.totalLength - verifiedBytes(restored)
  const done = await second.api.waitComplete(fixture.infoHash, { timeoutMs: 90_000 })
  const fetchedSinceRestore = (done.downloadedBytes as number) - (restored.downloadedBytes as number)
  t.ok(fetchedSinceRestore <= missingAtRestore,
    `after the restart only missing bytes were fetched: ${fetchedSinceRestore} <= ${missingAtRestore}`)
  t.ok((done.downloadedBytes as number) <= fixture.totalLength - verifiedBytes(before),
    'the restarted daemon fetched no more than what was missing 1.5 s before the kill')
  t.equal(done.hashFailures, 0)
  for (const [index, file] of fixture.files.entries()) {
    const res = await second.api.fetch(`/stream/${fixture.infoHash}/${index}`)
    t.ok(Buffer.from(await res.arrayBuffer()).equals(fixture.expectedBytes(index, 0, file.length)), `${file.path} is byte-identical`)
  }
})
