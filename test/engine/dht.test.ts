/**
 * Peers found through the DHT alone (no tracker, no peer in the link): two engines bootstrap
 * from a DHT node of the test's own on 127.0.0.1, never from the public routers.
 */
import t from 'tap'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { Client as DHT } from 'bittorrent-dht'
import { makeTorrentFixture, tempDir } from '../helpers/fixtures.js'
import { startTestEngine, untilComplete } from '../helpers/engine.js'

t.test('a magnet link with no tracker is downloaded from a peer found through the DHT', async t => {
  const bootstrapNode = new DHT({ bootstrap: false, host: '127.0.0.1' } as Record<string, unknown>)
  await new Promise<void>(resolve => bootstrapNode.listen(0, () => resolve()))
  t.teardown(() => new Promise<void>(resolve => bootstrapNode.destroy(() => resolve())))
  const bootstrap = [`127.0.0.1:${(bootstrapNode as unknown as { address (): { port: number } }).address().port}`]

  const fixture = await makeTorrentFixture(t, { name: 'Trackerless', pieceLength: 32 * 1024, files: [{ path: 'd.bin', length: 700_000 }] })
  const seederDir = await tempDir(t)
  await cp(fixture.dir, join(seederDir, 'data', fixture.infoHash), { recursive: true })
  const seeder = await startTestEngine(t, { dataDir: seederDir, dht: true, dhtBootstrap: bootstrap })
  const seeded = await seeder.add({ torrentFile: fixture.torrentFile })
  await untilComplete(seeded)

  const leecher = await startTestEngine(t, { dht: true, dhtBootstrap: bootstrap, seed: 2 })
  const torrent = await leecher.add({ magnet: `magnet:?xt=urn:btih:${fixture.infoHash}` })
  await untilComplete(torrent, 60_000)
  t.equal(torrent.name, 'Trackerless')
  const reader = torrent.createReader()
  t.ok(Buffer.from(await reader.read(0, 700_000)).equals(fixture.expectedBytes(0, 0, 700_000)), 'byte-identical')
  reader.close()
})
