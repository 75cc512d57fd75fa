import t from 'tap'
import { join } from 'node:path'
import { makeTorrentFixture, tempDir } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { startWebtorrentPeer } from '../helpers/webtorrent.js'

t.test('a corrupt libtorrent seeder serves pieces that fail their hashes', async t => {
  const fx = await makeTorrentFixture(t, { files: [{ path: 'bad.bin', length: 400_000 }], pieceLength: 16 * 1024 })
  const seeder = await startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed', corrupt: true })
  await seeder.waitFinished({ timeoutMs: 10_000 })

  const save = join(await tempDir(t), 'leech')
  const leecher = await startLibtorrentPeer(t, {
    torrentPath: fx.torrentPath, save, mode: 'leech', peers: [`127.0.0.1:${seeder.port}`],
  })
  const failed = await leecher.output.waitForEvent('hash_failed', { timeoutMs: 10_000 })
  t.type(failed['piece'], 'number', 'the libtorrent leecher reports a hash failure')
  t.ok(leecher.progress().progress < 1, 'and has not completed from the corrupt seeder')
  t.notOk(leecher.output.last('finished'), 'no "finished" event')
})

t.test('a webtorrent leecher also sees the corrupt seeder\'s pieces fail', async t => {
  const fx = await makeTorrentFixture(t, { files: [{ path: 'bad.bin', length: 200_000 }], pieceLength: 16 * 1024 })
  const seeder = await startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed', corrupt: true })
  await seeder.waitFinished({ timeoutMs: 10_000 })
  const save = join(await tempDir(t), 'leech')
  const leecher = await startWebtorrentPeer(t, {
    torrentPath: fx.torrentPath, save, mode: 'leech', peers: [`127.0.0.1:${seeder.port}`],
  })
  const failed = await leecher.output.waitForEvent('hash_failed', { timeoutMs: 10_000 })
  t.type(failed['piece'], 'number')
})
