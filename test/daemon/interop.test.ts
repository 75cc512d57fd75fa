/**
 * The daemon, driven only through its CLI and HTTP contract, against peers nobody here
 * wrote: libtorrent (Debian's python3-libtorrent) and webtorrent.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTorrentFixture, startTracker, tempDir, type TorrentFixture } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { startReelDaemon, type ReelDaemon } from '../helpers/reel.js'
import { startWebtorrentPeer } from '../helpers/webtorrent.js'
import type { TapTest } from '../helpers/tap-types.js'

async function assertStreamsMatch (t: TapTest, daemon: ReelDaemon, fixture: TorrentFixture): Promise<void> {
  for (const [index, file] of fixture.files.entries()) {
    const res = await daemon.api.fetch(`/stream/${fixture.infoHash}/${index}`)
    t.equal(res.status, 200)
    const body = Buffer.from(await res.arrayBuffer())
    t.ok(body.equals(fixture.expectedBytes(index, 0, file.length)), `/stream of ${file.path} is byte-identical`)
  }
}

async function assertFilesOnDisk (t: TapTest, daemon: ReelDaemon, fixture: TorrentFixture): Promise<void> {
  for (const [index, file] of fixture.files.entries()) {
    const onDisk = await readFile(join(daemon.dataDir, 'data', fixture.infoHash, fixture.name, file.path))
    t.ok(onDisk.equals(fixture.expectedBytes(index, 0, file.length)), `${file.path} on disk is byte-identical`)
  }
}

const files = [
  { path: 'feature.mp4', length: 4_000_000 },
  { path: 'subs/en.srt', length: 40_000 },
  { path: 'extras/trailer.mp4', length: 1_100_001 }
]

t.test('the daemon downloads a multi-file torrent from libtorrent seeders, then seeds it alone to a libtorrent leecher', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, { name: 'Film', pieceLength: 64 * 1024, announce: [tracker.announceUrl], files })
  const seeders = [
    await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'lt-seed-1' }),
    await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'lt-seed-2' })
  ]
  const daemon = await startReelDaemon(t)
  const added = await daemon.api.addTorrent(fixture.torrentFile)
  t.equal(added.infoHash, fixture.infoHash)
  t.same(added.files.map(f => f.path), files.map(f => `Film/${f.path}`))
  const status = await daemon.api.waitComplete(fixture.infoHash, { timeoutMs: 60_000 })
  t.equal(status.hashFailures, 0)
  await assertFilesOnDisk(t, daemon, fixture)

  for (const seeder of seeders) await seeder.stop()
  const save = await tempDir(t)
  const leecher = await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save, mode: 'leech', peers: [`127.0.0.1:${daemon.torrentPort ?? 0}`], name: 'lt-leech' })
  await leecher.waitFinished({ timeoutMs: 60_000 })
  for (const [index, file] of fixture.files.entries()) {
    t.ok((await readFile(join(save, 'Film', file.path))).equals(fixture.expectedBytes(index, 0, file.length)), `libtorrent got ${file.path} byte-identical from the daemon`)
  }
  // Read back over /stream only now: a read the sharing policy sees open (it looks once a
  // second) makes the box "watching" for two minutes, and a watching box shares only with
  // peers feeding a film, which a leecher never does.
  await assertStreamsMatch(t, daemon, fixture)
})

t.test('the daemon downloads a multi-file torrent from webtorrent seeders', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, { name: 'WebFilm', pieceLength: 32 * 1024, announce: [tracker.announceUrl], files })
  await startWebtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'wt-seed-1' })
  await startWebtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'wt-seed-2' })
  const daemon = await startReelDaemon(t)
  await daemon.api.addTorrent(fixture.torrentFile)
  await daemon.api.waitComplete(fixture.infoHash, { timeoutMs: 60_000 })
  await assertFilesOnDisk(t, daemon, fixture)
  await assertStreamsMatch(t, daemon, fixture)
})

t.test('the daemon downloads a magnet link from a libtorrent seeder, metadata over ut_metadata', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, { name: 'MagnetFilm', pieceLength: 32 * 1024, announce: [tracker.announceUrl], files })
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed' })
  const daemon = await startReelDaemon(t)
  const added = await daemon.api.addMagnet(fixture.magnet)
  t.equal(added.infoHash, fixture.infoHash)
  await daemon.api.waitComplete(fixture.infoHash, { timeoutMs: 60_000 })
  await assertFilesOnDisk(t, daemon, fixture)
  await assertStreamsMatch(t, daemon, fixture)
})
