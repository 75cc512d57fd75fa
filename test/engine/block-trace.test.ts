/**
 * At log level trace the engine writes one line per block requested, arrived and cancelled,
 * the input of scripts/bench/block-trace-report.ts; at any other level, none.
 */
import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import bencode from 'bencode'
import { createLogger } from '../../src/log.js'
import { parseTorrentFile } from '../../src/engine/metainfo.js'
import { startTestEngine, untilComplete } from '../helpers/engine.js'
import { tempDir } from '../helpers/fixtures.js'
import type { TapTest } from '../helpers/tap-types.js'

const PIECE_LENGTH = 65536
const BLOCK_LENGTH = 16384

async function seededTorrent (root: string): Promise<{ torrentFile: Buffer, data: Buffer, infoHash: string }> {
  const data = randomBytes(300_000)
  const hashes: Buffer[] = []
  for (let offset = 0; offset < data.length; offset += PIECE_LENGTH) {
    hashes.push(createHash('sha1').update(data.subarray(offset, offset + PIECE_LENGTH)).digest())
  }
  const torrentFile = Buffer.from(bencode.encode({ info: { name: 'clip.bin', 'piece length': PIECE_LENGTH, pieces: Buffer.concat(hashes), length: data.length } }))
  const { infoHash } = await parseTorrentFile(torrentFile)
  await mkdir(join(root, 'seeder', 'data', infoHash), { recursive: true })
  await writeFile(join(root, 'seeder', 'data', infoHash, 'clip.bin'), data)
  return { torrentFile, data, infoHash }
}

/** Downloads the torrent into an engine logging at `level`; returns its JSON lines. */
async function download (t: TapTest, level: string): Promise<{ lines: Array<Record<string, unknown>>, blocks: number }> {
  const root = await tempDir(t)
  const { torrentFile, data, infoHash } = await seededTorrent(root)
  const seeder = await startTestEngine(t, { dataDir: join(root, 'seeder'), seed: 1 })
  const seeded = await seeder.add({ torrentFile })
  await untilComplete(seeded)
  const out = new PassThrough()
  const text: string[] = []
  out.on('data', (chunk: Buffer) => text.push(chunk.toString('utf8')))
  const leecher = await startTestEngine(t, { dataDir: join(root, 'leecher'), seed: 2, log: createLogger({ level, destination: out }) })
  const leeched = await leecher.add({ magnet: `magnet:?xt=urn:btih:${infoHash}&x.pe=127.0.0.1:${seeder.torrentPort}` })
  await untilComplete(leeched)
  await new Promise(resolve => setImmediate(resolve))
  const lines = text.join('').split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Record<string, unknown>)
  return { lines, blocks: Math.ceil(data.length / BLOCK_LENGTH) }
}

const blockSet = (lines: Array<Record<string, unknown>>, msg: string): Set<string> =>
  new Set(lines.filter(l => l['msg'] === msg).map(l => `${String(l['piece'])}:${String(l['block'])}`))

t.test('at trace, every block of a download is logged as requested and as arrived, with its peer', async t => {
  const { lines, blocks } = await download(t, 'trace')
  const requested = blockSet(lines, 'block requested')
  const arrived = blockSet(lines, 'block arrived')
  t.equal(requested.size, blocks, 'each of the torrent\'s blocks was requested')
  t.same([...arrived].sort(), [...requested].sort(), 'and each arrived')
  const line = lines.find(l => l['msg'] === 'block arrived')!
  t.match(line, { level: 10, peer: /^p\d+$/, piece: Number, block: Number, time: Number })
})

t.test('at debug, no block is logged', async t => {
  const { lines } = await download(t, 'debug')
  t.equal(lines.filter(l => String(l['msg']).startsWith('block ')).length, 0)
})
