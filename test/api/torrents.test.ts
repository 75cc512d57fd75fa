import t from 'tap'
import { buildHttpApp } from '../../src/api/index.js'
import { silentLogger } from '../../src/log.js'
import { FakeEngine, FakeTorrent, patternBytes } from './fixtures/fake-engine.js'

const TORRENT_BYTES = Buffer.from('d8:announce0:4:infod4:name4:Filmee')

function setup (t: { teardown: (fn: () => Promise<void>) => void }): { engine: FakeEngine, film: FakeTorrent, app: ReturnType<typeof buildHttpApp> } {
  const engine = new FakeEngine()
  const film = new FakeTorrent({
    name: 'Film',
    pieceLength: 64,
    files: [{ path: 'Film/film.mp4', content: patternBytes(300) }, { path: 'Film/film.srt', content: Buffer.from('subs') }]
  })
  engine.accept(TORRENT_BYTES, film)
  const app = buildHttpApp({ engine, log: silentLogger() })
  t.teardown(async () => { await app.close() })
  return { engine, film, app }
}

t.test('posting a .torrent file adds it and answers 201 with its files', async t => {
  const { app, film, engine } = setup(t)
  const res = await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/x-bittorrent' }, payload: TORRENT_BYTES })
  t.equal(res.statusCode, 201)
  t.same(res.json(), {
    infoHash: film.infoHash,
    name: 'Film',
    files: [{ index: 0, path: 'Film/film.mp4', length: 300 }, { index: 1, path: 'Film/film.srt', length: 4 }]
  })
  t.equal(engine.get(film.infoHash), film)
})

t.test('the torrentAdded hook hears of each added torrent, and not of a refused one', async t => {
  const engine = new FakeEngine()
  const film = new FakeTorrent({ name: 'Film', pieceLength: 64, files: [{ path: 'film.mp4', content: patternBytes(100) }] })
  engine.accept(TORRENT_BYTES, film)
  const heard: string[] = []
  const app = buildHttpApp({ engine, log: silentLogger(), torrentAdded: torrent => { heard.push(torrent.infoHash) } })
  t.teardown(async () => { await app.close() })
  const post = async (payload: Buffer): Promise<number> => (await app.inject({
    method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/x-bittorrent' }, payload
  })).statusCode
  t.equal(await post(TORRENT_BYTES), 201)
  t.equal(await post(Buffer.from('not bencode')), 400)
  t.same(heard, [film.infoHash])
})

t.test('a .torrent file sent as application/octet-stream is accepted too', async t => {
  const { app } = setup(t)
  const res = await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/octet-stream' }, payload: TORRENT_BYTES })
  t.equal(res.statusCode, 201)
})

t.test('a malformed .torrent body gets 400 with a reason', async t => {
  const { app } = setup(t)
  const res = await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/x-bittorrent' }, payload: Buffer.from('not bencode') })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'REEL_ERR_BAD_TORRENT')
  t.ok(res.json().error.message.length > 0)
  const empty = await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/x-bittorrent' }, payload: Buffer.alloc(0) })
  t.equal(empty.statusCode, 400)
})

t.test('adding a torrent twice gets 409', async t => {
  const { app } = setup(t)
  const post = async (): Promise<number> => (await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/x-bittorrent' }, payload: TORRENT_BYTES })).statusCode
  t.equal(await post(), 201)
  const again = await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/x-bittorrent' }, payload: TORRENT_BYTES })
  t.equal(again.statusCode, 409)
  t.equal(again.json().error.code, 'REEL_ERR_DUPLICATE_TORRENT')
})

t.test('a body over 16 MiB gets 413 with a clear message', async t => {
  const { app } = setup(t)
  const res = await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/x-bittorrent' }, payload: Buffer.alloc(16 * 1024 * 1024 + 1) })
  t.equal(res.statusCode, 413)
  t.equal(res.json().error.code, 'REEL_ERR_PAYLOAD_TOO_LARGE')
  t.match(res.json().error.message, /16 MiB/)
})

t.test('a magnet is answered 201 at once, with files to come', async t => {
  const { app, engine } = setup(t)
  const infoHash = 'ab'.repeat(20)
  const res = await app.inject({ method: 'POST', url: '/api/torrents', payload: { magnet: `magnet:?xt=urn:btih:${infoHash.toUpperCase()}&dn=Film` } })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { infoHash, name: '', files: [] })
  const view = await app.inject({ url: `/api/torrents/${infoHash}` })
  t.equal(view.json().hasMetadata, false)
  engine.get(infoHash)?.installMetadata()
  t.equal((await app.inject({ url: `/api/torrents/${infoHash}` })).json().hasMetadata, true)
})

t.test('malformed JSON bodies get 400', async t => {
  const { app } = setup(t)
  const cases: Array<[string, string, string]> = [
    ['{"magnet": 5}', 'REEL_ERR_BAD_REQUEST', 'magnet is not a string'],
    ['{"link": "magnet:?xt=urn:btih:x"}', 'REEL_ERR_BAD_REQUEST', 'no magnet key'],
    ['{"magnet": "http://example.com/a.torrent"}', 'REEL_ERR_BAD_TORRENT', 'not a magnet link'],
    ['{"magnet": "magnet:?dn=nohash"}', 'REEL_ERR_BAD_TORRENT', 'magnet without an info hash'],
    ['{"magnet": ', 'REEL_ERR_BAD_REQUEST', 'broken JSON'],
    ['[]', 'REEL_ERR_BAD_REQUEST', 'an array']
  ]
  for (const [payload, code, what] of cases) {
    const res = await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, what)
    t.equal(res.json().error.code, code, what)
  }
})

t.test('a body in another content type gets 415', async t => {
  const { app } = setup(t)
  const res = await app.inject({ method: 'POST', url: '/api/torrents', headers: { 'content-type': 'image/png' }, payload: 'x' })
  t.equal(res.statusCode, 415)
  t.equal(res.json().error.code, 'REEL_ERR_UNSUPPORTED_MEDIA_TYPE')
})

t.test('the list shows every torrent with its stats', async t => {
  const { app, engine, film } = setup(t)
  t.same((await app.inject({ url: '/api/torrents' })).json(), [])
  engine.put(film)
  const list = (await app.inject({ url: '/api/torrents' })).json()
  t.equal(list.length, 1)
  t.equal(list[0].infoHash, film.infoHash)
})

t.test('one torrent shows progress, peers, rates, bytes by source and per-file state', async t => {
  const { app, engine, film } = setup(t)
  engine.put(film)
  const res = await app.inject({ url: `/api/torrents/${film.infoHash}` })
  t.equal(res.statusCode, 200)
  t.match(res.json(), {
    infoHash: film.infoHash,
    name: 'Film',
    hasMetadata: true,
    state: 'seeding',
    progress: 1,
    peers: 3,
    downloadRate: 1000,
    uploadRate: 500,
    bytesFromPeers: 3072,
    bytesFromWebSeeds: 1024,
    files: [
      { index: 0, path: 'Film/film.mp4', length: 300, wanted: true },
      { index: 1, path: 'Film/film.srt', length: 4, wanted: true }
    ]
  })
  t.notOk('offset' in res.json().files[0], 'engine-internal fields stay inside')
})

t.test('an info hash is validated and lower-cased', async t => {
  const { app, engine, film } = setup(t)
  engine.put(film)
  t.equal((await app.inject({ url: `/api/torrents/${film.infoHash.toUpperCase()}` })).statusCode, 200)
  const bad = await app.inject({ url: '/api/torrents/1234' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error.code, 'REEL_ERR_BAD_REQUEST')
  const unknown = await app.inject({ url: `/api/torrents/${'f'.repeat(40)}` })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().error.code, 'REEL_ERR_TORRENT_NOT_FOUND')
})

t.test('DELETE removes a torrent with 204, keeping data only when asked', async t => {
  const { app, engine, film } = setup(t)
  engine.put(film)
  const res = await app.inject({ method: 'DELETE', url: `/api/torrents/${film.infoHash}?keepData=1` })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.same(engine.removed, [{ infoHash: film.infoHash, keepData: true }])
  engine.put(film)
  t.equal((await app.inject({ method: 'DELETE', url: `/api/torrents/${film.infoHash}` })).statusCode, 204)
  t.same(engine.removed[1], { infoHash: film.infoHash, keepData: false })
  t.equal((await app.inject({ method: 'DELETE', url: `/api/torrents/${film.infoHash}` })).statusCode, 404)
})

t.test('a bad keepData value is a fastify validation error answered as 400 BAD_REQUEST', async t => {
  const { app, engine, film } = setup(t)
  engine.put(film)
  const res = await app.inject({ method: 'DELETE', url: `/api/torrents/${film.infoHash}?keepData=perhaps` })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'REEL_ERR_BAD_REQUEST')
  t.same(engine.removed, [])
})
