import t from 'tap'
import { join } from 'node:path'
import { readFile } from 'node:fs/promises'
import { makeTorrentFixture, startTracker } from '../helpers/fixtures.js'
import { startTestEngine, untilComplete } from '../helpers/engine.js'
import { startWebtorrentPeer } from '../helpers/webtorrent.js'

t.test('engine downloads a multi-file torrent from two webtorrent seeders byte-identical', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, {
    name: 'WebFilm', pieceLength: 32 * 1024, announce: [tracker.announceUrl],
    files: [{ path: 'part1.mkv', length: 2_100_000 }, { path: 'notes/readme.txt', length: 999 }, { path: 'part2.mkv', length: 900_000 }]
  })
  await startWebtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'wt-seed-1' })
  await startWebtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'wt-seed-2' })
  const engine = await startTestEngine(t)
  const dataDir = engine.dataDir
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  await untilComplete(torrent)
  for (const [index, file] of fixture.files.entries()) {
    const got = await readFile(join(dataDir, 'data', fixture.infoHash, 'WebFilm', file.path))
    t.ok(got.equals(fixture.expectedBytes(index, 0, file.length)), `${file.path} is byte-identical`)
  }
  t.equal(torrent.stats().hashFailures, 0)
})
