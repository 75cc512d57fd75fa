/**
 * Must show 3: with the data dir over its cap, the policy evicts the least recently watched
 * complete titles first, skips the title playing and a protected rental, leaves an incomplete
 * download alone, and stops as soon as the dir fits. Evicted titles keep their .torrent and
 * can be fetched again.
 */
import t from 'tap'
import { access, mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTorrentFixture, tempDir, type TorrentFixture } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { untilComplete } from '../helpers/engine.js'
import { startSeedingBox } from './fixtures/seeding-box.js'

const KiB = 1024
const MiB = 1024 * KiB

const exists = async (path: string): Promise<boolean> => await access(path).then(() => true, () => false)

t.test('evicts least recently watched first, never the title playing or a protected rental, and only what is needed', async t => {
  const title = async (name: string, length: number): Promise<TorrentFixture> =>
    await makeTorrentFixture(t, { name, pieceLength: 64 * KiB, files: [{ path: `${name}.mp4`, length }] })
  const playing = await title('Playing', 1 * MiB) // watched longest ago, but on screen now
  const recent = await title('Recent', 2 * MiB) // watched last
  const middle = await title('Middle', 1.5 * MiB) // watched between the two
  const rental = await title('Rental', 0.5 * MiB) // rented, not watched yet
  const prefetched = await title('Prefetched', 3 * MiB) // never watched
  const downloading = await title('Downloading', 1 * MiB) // no data yet

  const dataDir = await tempDir(t, 'reel-evict-')
  await mkdir(join(dataDir, 'seeding'), { recursive: true })
  await writeFile(join(dataDir, 'seeding', 'watched.json'), JSON.stringify({
    [playing.infoHash]: Date.parse('2026-11-01T20:00:00Z'),
    [middle.infoHash]: Date.parse('2026-11-10T20:00:00Z'),
    [recent.infoHash]: Date.parse('2026-11-20T20:00:00Z')
  }))
  // 8 MiB of complete titles on a 7 MiB filesystem with a 50 % cap: 3.5 MiB allowed, 4.5 MiB to free.
  const box = await startSeedingBox(t, {
    dataDir,
    titles: [playing, recent, middle, rental, prefetched],
    rentals: { isProtected: infoHash => infoHash === rental.infoHash },
    filesystemBytes: async () => 7 * MiB
  })
  await box.engine.add({ torrentFile: downloading.torrentFile })

  // A player's open stream reader (what GET /stream holds while the TV pulls bytes).
  const reader = box.engine.get(playing.infoHash)?.createReader({ fileIndex: 0 })
  reader?.setWindow(0, 256 * KiB)
  t.same(box.engine.streamingTorrents(), [playing.infoHash])

  t.equal((await fetch(`${box.url}/api/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ diskCap: { percent: 50 } }) })).status, 200)
  const plan = await box.policy.enforceDiskCap()
  t.same(plan, { evict: [prefetched.infoHash, middle.infoHash], freedBytes: 4.5 * MiB, shortBy: 0 },
    'never-watched Prefetched goes first, Playing is skipped, then Middle; Recent and the Rental stay')

  const onBox = box.engine.list().map(torrent => torrent.name).sort()
  t.same(onBox, ['Downloading', 'Playing', 'Recent', 'Rental'])
  for (const kept of [playing, recent, rental]) t.ok(await exists(join(dataDir, 'data', kept.infoHash)), `${kept.name}'s data is kept`)
  for (const gone of [prefetched, middle]) t.notOk(await exists(join(dataDir, 'data', gone.infoHash)), `${gone.name}'s data is deleted`)
  t.same(await box.engine.evicted(), [prefetched.infoHash, middle.infoHash].sort(), 'both evicted titles keep their .torrent')
  t.same((await readdir(join(dataDir, 'state', 'evicted'))).sort(), [`${middle.infoHash}.torrent`, `${prefetched.infoHash}.torrent`].sort())

  t.same(await box.policy.enforceDiskCap(), { evict: [], freedBytes: 0, shortBy: 0 }, 'once under the cap, nothing more goes')
  reader?.close()

  // Re-fetchable: the kept .torrent brings Middle back, and a seed fills it again.
  const restored = await box.engine.restoreEvicted(middle.infoHash)
  await startLibtorrentPeer(t, { torrentPath: middle.torrentPath, save: middle.dir, mode: 'seed', peers: [box.peerAddress] })
  await untilComplete(restored, 30_000)
  t.equal(restored.stats().progress, 1, 'Middle is fetched again from a peer')
  t.same(await box.engine.evicted(), [prefetched.infoHash], 'and is no longer listed as evicted')
})

t.test('a cap nothing can meet evicts what it may and reports the shortfall', async t => {
  const film = await makeTorrentFixture(t, { name: 'Only', pieceLength: 64 * KiB, files: [{ path: 'only.mp4', length: 1 * MiB }] })
  const box = await startSeedingBox(t, { titles: [film], rentals: { isProtected: () => true } })
  await box.policy.updateSettings({ diskCap: { bytes: 1 } })
  t.same(await box.policy.enforceDiskCap(), { evict: [], freedBytes: 0, shortBy: MiB - 1 })
  t.same(box.engine.list().map(torrent => torrent.infoHash), [film.infoHash])
})
