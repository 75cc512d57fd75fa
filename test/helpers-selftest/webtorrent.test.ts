import t from 'tap'
import { join } from 'node:path'
import { compareDirs, makeTorrentFixture, startTracker, tempDir } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { startWebtorrentPeer } from '../helpers/webtorrent.js'

t.test('a libtorrent leecher gets a byte-identical copy from a webtorrent seeder via the local tracker', async t => {
  const tracker = await startTracker(t)
  const fx = await makeTorrentFixture(t, {
    name: 'wt-multi',
    files: [
      { path: 'video.bin', length: 700_000 },
      { path: 'subs/en.srt', length: 12_345 },
    ],
    pieceLength: 32 * 1024,
    announce: [tracker.announceUrl],
  })
  const seeder = await startWebtorrentPeer(t, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed' })
  t.equal(seeder.infoHash, fx.infoHash, 'webtorrent computes the same info hash')
  await seeder.waitFinished({ timeoutMs: 10_000 })

  const save = join(await tempDir(t), 'leech')
  const leecher = await startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save, mode: 'leech' })
  await leecher.waitFinished({ timeoutMs: 15_000 })
  t.same((await compareDirs(fx.dir, save)).differences, [], 'the downloaded tree equals the original')
})

t.test('a webtorrent leecher gets a byte-identical copy from a libtorrent seeder', async t => {
  const tracker = await startTracker(t)
  const fx = await makeTorrentFixture(t, {
    files: [{ path: 'single.bin', length: 500_000 }],
    pieceLength: 16 * 1024,
    announce: [tracker.announceUrl],
  })
  const seeder = await startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed' })
  await seeder.waitFinished()
  const save = join(await tempDir(t), 'leech')
  const leecher = await startWebtorrentPeer(t, { torrentPath: fx.torrentPath, save, mode: 'leech' })
  await leecher.waitFinished({ timeoutMs: 15_000 })
  t.same((await compareDirs(fx.dir, save)).differences, [])
})
