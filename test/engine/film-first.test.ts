/**
 * While one torrent is streamed (a film plays) and still downloads, the box's other torrents ask
 * their peers for nothing, so the film gets the whole download bandwidth; they carry on once it
 * stops (a second after its last reader closed) or has every piece.
 */
import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import bencode from 'bencode'
import type { Torrent } from '../../src/engine/index.js'
import { parseTorrentFile } from '../../src/engine/metainfo.js'
import { startTestEngine, untilComplete } from '../helpers/engine.js'
import { tempDir } from '../helpers/fixtures.js'
import type { TapTest } from '../helpers/tap-types.js'

const PIECE = 65536

function singleFileTorrent (name: string, data: Buffer): Buffer {
  const hashes: Buffer[] = []
  for (let offset = 0; offset < data.length; offset += PIECE) {
    hashes.push(createHash('sha1').update(data.subarray(offset, offset + PIECE)).digest())
  }
  return Buffer.from(bencode.encode({ info: { name, 'piece length': PIECE, pieces: Buffer.concat(hashes), length: data.length } }))
}

async function until (what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function twoTitles (t: TapTest, filmOnTheBox: boolean): Promise<{ box: Awaited<ReturnType<typeof startTestEngine>>, film: Torrent, otherMagnet: string }> {
  const root = await tempDir(t)
  // 1 MiB/s: the 16 MiB film is still downloading while the test looks at the other title.
  const seeder = await startTestEngine(t, { dataDir: join(root, 'seeder'), seed: 1, uploadRateLimit: 1024 * 1024 })
  const box = await startTestEngine(t, { dataDir: join(root, 'box'), seed: 2 })
  const magnets: string[] = []
  for (const [name, size] of [['film.mp4', 16 * 1024 * 1024], ['other.mp4', 1024 * 1024]] as const) {
    const data = randomBytes(size)
    const torrentFile = singleFileTorrent(name, data)
    const { infoHash } = await parseTorrentFile(torrentFile)
    const homes = name === 'film.mp4' && filmOnTheBox ? ['seeder', 'box'] : ['seeder']
    for (const home of homes) {
      await mkdir(join(root, home, 'data', infoHash), { recursive: true })
      await writeFile(join(root, home, 'data', infoHash, name), data)
    }
    const seeded = await seeder.add({ torrentFile })
    await until(`the seeder to adopt ${name}`, () => seeded.stats().progress === 1)
    magnets.push(`magnet:?xt=urn:btih:${infoHash}&x.pe=127.0.0.1:${seeder.torrentPort}`)
  }
  const film = await box.add({ magnet: magnets[0] as string })
  await film.whenMetadata()
  return { box, film, otherMagnet: magnets[1] as string }
}

t.test('other torrents wait while a film streams, then finish', async t => {
  const { box, film, otherMagnet } = await twoTitles(t, false)
  const reader = film.createReader({ fileIndex: 0 })
  reader.setWindow(0, 128 * 1024)
  await reader.read(0, 128 * 1024)

  const other = await box.add({ magnet: otherMagnet })
  await other.whenMetadata()
  await until('the other torrent to have its peer', () => other.stats().peers > 0)
  await new Promise(resolve => setTimeout(resolve, 1500))
  t.equal(other.stats().downloadedBytes, 0, 'not a byte while the film streams')
  t.same(box.streamingTorrents(), [film.infoHash], 'the film is the one streaming')

  reader.close()
  t.same(box.streamingTorrents(), [], 'nobody reads the film any more')
  await untilComplete(other, 20_000)
  t.equal(other.stats().progress, 1, 'the other torrent finishes once the film stops')
})

t.test('a film already on the box holds nobody back', async t => {
  const { box, film, otherMagnet } = await twoTitles(t, true)
  await untilComplete(film, 20_000)
  const reader = film.createReader({ fileIndex: 0 })
  reader.setWindow(0, 128 * 1024)
  const other = await box.add({ magnet: otherMagnet })
  await untilComplete(other, 20_000)
  t.equal(other.stats().progress, 1, 'downloaded while the film plays from the disk')
  reader.close()
})
