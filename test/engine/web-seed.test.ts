/**
 * Web seeds (BEP 19 url-list) as the fallback source for deadlines: a reader whose pieces no
 * peer can deliver gets them over HTTP Range; a web seed serving wrong bytes is caught by the
 * piece hashes and dropped.
 */
import t from 'tap'
import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { makeTorrentFixture, type TorrentFixture } from '../helpers/fixtures.js'
import { startTestEngine, untilComplete } from '../helpers/engine.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import type { TapTest } from '../helpers/tap-types.js'

async function serveFile (t: { teardown (fn: () => unknown): void }, path: string, corrupt = false): Promise<{ url: string, served: () => number }> {
  const data = await readFile(path)
  let served = 0
  const server: Server = createServer((req, res) => {
    const match = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')
    if (match === null) { res.writeHead(200, { 'content-length': data.length }); res.end(data); return }
    const start = Number(match[1])
    const end = Math.min(Number(match[2]), data.length - 1)
    const body = Buffer.from(data.subarray(start, end + 1))
    if (corrupt) body.fill(0x42)
    served += body.length
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${data.length}`, 'content-length': body.length })
    res.end(body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
  const port = (server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}/film.bin`, served: () => served }
}

async function fixtureWithWebSeed (t: TapTest, url: string): Promise<TorrentFixture> {
  return await makeTorrentFixture(t, { name: 'film.bin', pieceLength: 64 * 1024, urlList: [url], files: [{ path: 'film.bin', length: 3_000_000 }] })
}

t.test('with no peer at all, a reader\'s pieces come from the web seed, byte-identical', async t => {
  const plain = await makeTorrentFixture(t, { name: 'film.bin', pieceLength: 64 * 1024, files: [{ path: 'film.bin', length: 3_000_000 }] })
  const web = await serveFile(t, plain.files[0]!.absPath)
  const fixture = await fixtureWithWebSeed(t, web.url)
  const engine = await startTestEngine(t)
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  const reader = torrent.createReader({ fileIndex: 0 })
  reader.setWindow(1_000_000, 1_500_000)
  const bytes = Buffer.from(await reader.read(1_000_000, 500_000))
  reader.close()
  t.ok(bytes.equals(fixture.expectedBytes(0, 1_000_000, 500_000)), 'the bytes read match')
  t.ok(torrent.stats().bytesFromWebSeeds > 0, 'they came from the web seed')
  t.equal(torrent.stats().bytesFromPeers, 0)
  t.ok(web.served() >= 500_000)
})

t.test('a web seed serving wrong bytes is dropped and peers finish the download', async t => {
  const plain = await makeTorrentFixture(t, { name: 'film.bin', pieceLength: 64 * 1024, files: [{ path: 'film.bin', length: 3_000_000 }] })
  const liar = await serveFile(t, plain.files[0]!.absPath, true)
  const fixture = await fixtureWithWebSeed(t, liar.url)
  const engine = await startTestEngine(t)
  const torrent = await engine.add({ torrentFile: fixture.torrentFile })
  const reader = torrent.createReader({ fileIndex: 0 })
  reader.setWindow(0, 3_000_000)
  const started = Date.now()
  while (torrent.stats().hashFailures < 2) {
    if (Date.now() - started > 20_000) throw new Error(`the lying web seed was never caught: ${JSON.stringify(torrent.stats())}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const seeder = await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed' })
  void seeder
  // The engine learns the seeder from a direct connection: no tracker in this torrent.
  seeder.connect(`127.0.0.1:${engine.torrentPort}`)
  await untilComplete(torrent)
  const bytes = Buffer.from(await reader.read(0, 3_000_000))
  reader.close()
  t.ok(bytes.equals(fixture.expectedBytes(0, 0, 3_000_000)), 'the film is byte-identical')
  t.ok(torrent.stats().bannedPeers >= 1, 'the web seed was banned')
})
