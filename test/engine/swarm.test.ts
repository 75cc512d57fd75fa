import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import bencode from 'bencode'
import { mkdir, writeFile, readFile } from 'node:fs/promises'
import { join, dirname } from 'node:path'
import type { Torrent } from '../../src/engine/index.js'
import { startTestEngine } from '../helpers/engine.js'
import { tempDir } from '../helpers/fixtures.js'
import { parseTorrentFile } from '../../src/engine/metainfo.js'

const files = [
  { path: 'Show/a.bin', length: 1_000_000 },
  { path: 'Show/empty.txt', length: 0 },
  { path: 'Show/sub/b.bin', length: 2_500_123 }
]

/** Builds the .torrent by hand: create-torrent hashes the last piece wrongly when an input is empty. */
async function makeTorrent (): Promise<{ torrentFile: Buffer, contents: Map<string, Buffer> }> {
  const contents = new Map<string, Buffer>()
  for (const file of files) contents.set(file.path, randomBytes(file.length))
  const all = Buffer.concat([...contents.values()])
  const pieceLength = 65536
  const hashes: Buffer[] = []
  for (let offset = 0; offset < all.length; offset += pieceLength) {
    hashes.push(createHash('sha1').update(all.subarray(offset, offset + pieceLength)).digest())
  }
  const info = {
    name: 'Show',
    'piece length': pieceLength,
    pieces: Buffer.concat(hashes),
    files: files.map(file => ({ length: file.length, path: file.path.split('/').slice(1) }))
  }
  return { torrentFile: Buffer.from(bencode.encode({ info })), contents }
}

async function waitFor (what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function readAll (torrent: Torrent, index: number): Promise<Buffer> {
  const file = torrent.files()[index]!
  const reader = torrent.createReader()
  try {
    reader.setWindow(file.offset, file.offset + file.length)
    return Buffer.from(await reader.read(file.offset, file.length))
  } finally {
    reader.close()
  }
}

t.test('a seeder adopts data already on disk and a magnet-link leecher downloads it byte-identical', async t => {
  const root = await tempDir(t)
  const { torrentFile, contents } = await makeTorrent()
  const seeder = await startTestEngine(t, { dataDir: join(root, 'seeder'), seed: 1 })
  const leecher = await startTestEngine(t, { dataDir: join(root, 'leecher'), seed: 2 })

  const metainfo = await parseTorrentFile(torrentFile)
  const infoHash = metainfo.infoHash
  t.same(metainfo.files.map(f => f.path).sort(), [...contents.keys()].sort(), 'the torrent lists every file, empty ones too')
  for (const [path, data] of contents) {
    const target = join(root, 'seeder', 'data', infoHash, path)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, data)
  }
  const seeded = await seeder.add({ torrentFile })
  await waitFor('the seeder to adopt its data', () => seeded.stats().progress === 1)
  t.equal(seeded.stats().state, 'seeding')

  const leeched = await leecher.add({ magnet: `magnet:?xt=urn:btih:${infoHash}&x.pe=127.0.0.1:${seeder.torrentPort}` })
  t.equal(leeched.hasMetadata, false, 'a magnet link starts without metadata')
  await leeched.whenMetadata()
  t.equal(leeched.name, 'Show')
  await waitFor('the leecher to finish', () => leeched.stats().progress === 1)
  for (const file of leeched.files()) {
    t.ok((await readAll(leeched, file.index)).equals(contents.get(file.path)!), `${file.path} is byte-identical`)
    const onDisk = await readFile(join(root, 'leecher', 'data', infoHash, file.path))
    t.ok(onDisk.equals(contents.get(file.path)!), `${file.path} is stored at its torrent path`)
  }
  const stats = leeched.stats()
  t.equal(stats.hashFailures, 0)
  t.equal(stats.verifiedPieces, stats.pieceCount)
})
