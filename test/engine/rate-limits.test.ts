/**
 * The global rate limits hold against real peers. Only upper bounds are asserted (a limiter
 * can never be exceeded however slow the machine is), so the tests stay deterministic.
 */
import t from 'tap'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTorrentFixture, startTracker, tempDir } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { startTestEngine, untilComplete } from '../helpers/engine.js'

const LIMIT = 256 * 1024
const BLOCK = 16 * 1024

t.test('the download limit caps what the engine takes from unthrottled seeders', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, { name: 'Limited', pieceLength: 64 * 1024, announce: [tracker.announceUrl], files: [{ path: 'l.bin', length: 4_000_000 }] })
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed' })
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed' })
  const engine = await startTestEngine(t, { downloadRateLimit: LIMIT })
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  const started = Date.now()
  while (torrent.stats().downloadedBytes === 0) await new Promise(resolve => setTimeout(resolve, 20))
  await new Promise(resolve => setTimeout(resolve, 2000))
  const elapsed = (Date.now() - started) / 1000
  // One second of burst, plus what was already requested when the bucket ran dry.
  const ceiling = LIMIT * (elapsed + 1) + 64 * BLOCK
  const got = torrent.stats().downloadedBytes
  t.ok(got <= ceiling, `${got} bytes in ${elapsed.toFixed(1)} s stays under ${Math.round(ceiling)}`)
  t.ok(torrent.stats().progress < 1, 'the 4 MB torrent is not done after two seconds at 256 KiB/s')
})

t.test('the upload limit caps what the engine sends to a libtorrent leecher', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, { name: 'Capped', pieceLength: 64 * 1024, announce: [tracker.announceUrl], files: [{ path: 'c.bin', length: 4_000_000 }] })
  const dataDir = await tempDir(t)
  await cp(fixture.dir, join(dataDir, 'data', fixture.infoHash), { recursive: true })
  const engine = await startTestEngine(t, { dataDir, uploadRateLimit: LIMIT })
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  await untilComplete(torrent)
  await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: await tempDir(t), mode: 'leech' })
  while (torrent.stats().uploadedBytes === 0) await new Promise(resolve => setTimeout(resolve, 20))
  const started = Date.now()
  const before = torrent.stats().uploadedBytes
  await new Promise(resolve => setTimeout(resolve, 2000))
  const elapsed = (Date.now() - started) / 1000
  const sent = torrent.stats().uploadedBytes - before
  const ceiling = LIMIT * (elapsed + 1) + 8 * BLOCK
  t.ok(sent <= ceiling, `${sent} bytes sent in ${elapsed.toFixed(1)} s stays under ${Math.round(ceiling)}`)
  t.ok(sent > 0, 'the leecher is being served')
})
