import { readFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { buildHttpApp, streamPath } from '../../src/api/index.js'
import { silentLogger } from '../../src/log.js'
import { FakeEngine, FakeTorrent, patternBytes, type FakeReader } from './fixtures/fake-engine.js'
import { hasFfmpeg, mediaFixtures, probedDuration } from '../hls/media.js'

const FILM = patternBytes(5000, 3)

function setup (t: { teardown: (fn: () => Promise<void>) => void }, opts: { verified?: boolean, metadataTimeoutMs?: number } = {}): { engine: FakeEngine, torrent: FakeTorrent, app: ReturnType<typeof buildHttpApp> } {
  const engine = new FakeEngine()
  const torrent = engine.put(new FakeTorrent({
    name: 'Film',
    pieceLength: 256,
    verified: opts.verified ?? true,
    files: [
      { path: 'Film/film.mp4', content: FILM },
      { path: 'Film/empty.mkv', content: Buffer.alloc(0) },
      { path: 'Film/notes.txt.unknownext', content: Buffer.from('notes') }
    ]
  }))
  const app = buildHttpApp({ engine, log: silentLogger(), metadataTimeoutMs: opts.metadataTimeoutMs })
  t.teardown(async () => { await app.close() })
  return { engine, torrent, app }
}

/** The reader of the stream itself, not the one that reads a film's header for its rate. */
function streamReader (torrent: FakeTorrent): FakeReader | undefined {
  return torrent.readers.find((_, i) => torrent.readerOptions[i]?.background !== true)
}

async function until (condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return
    await sleep(5)
  }
  throw new Error(`timed out waiting for ${what}`)
}

t.test('a GET without Range sends the whole file with 200', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash}/0` })
  t.equal(res.statusCode, 200)
  t.same(res.rawPayload, FILM)
  t.equal(res.headers['accept-ranges'], 'bytes')
  t.equal(res.headers['content-type'], 'video/mp4')
  t.equal(res.headers['content-length'], '5000')
  t.notOk(res.headers['content-range'])
})

t.test('a closed range bytes=a-b gets 206 with exactly those bytes', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=100-1123' } })
  t.equal(res.statusCode, 206)
  t.same(res.rawPayload, FILM.subarray(100, 1124))
  t.equal(res.headers['content-range'], 'bytes 100-1123/5000')
  t.equal(res.headers['content-length'], '1024')
  t.equal(res.headers['accept-ranges'], 'bytes')
})

t.test('an open range bytes=a- gets 206 to the end of the file', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=4000-' } })
  t.equal(res.statusCode, 206)
  t.same(res.rawPayload, FILM.subarray(4000))
  t.equal(res.headers['content-range'], 'bytes 4000-4999/5000')
})

t.test('a suffix range bytes=-n gets 206 with the last n bytes', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=-300' } })
  t.equal(res.statusCode, 206)
  t.same(res.rawPayload, FILM.subarray(4700))
  t.equal(res.headers['content-range'], 'bytes 4700-4999/5000')
})

t.test('a range past the end gets 416 with Content-Range bytes */length', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=5000-' } })
  t.equal(res.statusCode, 416)
  t.equal(res.headers['content-range'], 'bytes */5000')
  t.equal(res.json().error.code, 'REEL_ERR_RANGE_NOT_SATISFIABLE')
  t.equal(torrent.readers.length, 0, 'no reader was created')
})

t.test('a malformed Range header is ignored and the whole file is sent', async t => {
  const { app, torrent } = setup(t)
  for (const range of ['bytes=50-10', 'bytes=abc', 'pages=1-2']) {
    const res = await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range } })
    t.equal(res.statusCode, 200, range)
    t.equal(res.rawPayload.length, 5000)
  }
})

t.test('with several ranges only the first is served', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=10-19, 100-199' } })
  t.equal(res.statusCode, 206)
  t.equal(res.headers['content-range'], 'bytes 10-19/5000')
  t.same(res.rawPayload, FILM.subarray(10, 20))
})

t.test('If-Range with another validator gets the whole file', async t => {
  const { app, torrent } = setup(t)
  const url = `/stream/${torrent.infoHash}/0`
  const etag = (await app.inject({ method: 'HEAD', url })).headers.etag
  t.equal(etag, `"${torrent.infoHash}-0"`)
  const stale = await app.inject({ url, headers: { range: 'bytes=0-9', 'if-range': '"other"' } })
  t.equal(stale.statusCode, 200)
  const fresh = await app.inject({ url, headers: { range: 'bytes=0-9', 'if-range': String(etag) } })
  t.equal(fresh.statusCode, 206)
})

t.test('HEAD answers the headers without a body and starts no download', async t => {
  const { app, torrent } = setup(t, { verified: false })
  const res = await app.inject({ method: 'HEAD', url: `/stream/${torrent.infoHash}/0` })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-length'], '5000')
  t.equal(res.headers['accept-ranges'], 'bytes')
  t.equal(res.headers['content-type'], 'video/mp4')
  t.equal(res.rawPayload.length, 0)
  const ranged = await app.inject({ method: 'HEAD', url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=10-19' } })
  t.equal(ranged.statusCode, 206)
  t.equal(ranged.headers['content-length'], '10')
  t.equal(ranged.headers['content-range'], 'bytes 10-19/5000')
  t.equal(torrent.readers.length, 0, 'no reader was created')
})

t.test('a zero-length file gets an empty 200, and any range on it 416', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash}/1` })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-length'], '0')
  t.equal(res.headers['content-type'], 'video/x-matroska')
  t.equal(res.rawPayload.length, 0)
  for (const range of ['bytes=0-', 'bytes=-1', 'bytes=0-0']) {
    const ranged = await app.inject({ url: `/stream/${torrent.infoHash}/1`, headers: { range } })
    t.equal(ranged.statusCode, 416, range)
    t.equal(ranged.headers['content-range'], 'bytes */0')
  }
})

t.test('an unknown extension is served as application/octet-stream', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash}/2` })
  t.equal(res.headers['content-type'], 'application/octet-stream')
  t.equal(res.body, 'notes')
})

t.test('bytes that arrive over time reach the client intact', async t => {
  const { app, torrent } = setup(t, { verified: false })
  const pending = app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=300-4299' } })
  for (let piece = 0; piece < torrent.verified.length; piece++) {
    await sleep(1)
    torrent.verify(piece)
  }
  const res = await pending
  t.equal(res.statusCode, 206)
  t.same(res.rawPayload, FILM.subarray(300, 4300))
  t.equal(streamReader(torrent)?.closed, true, 'the reader is closed once the body is sent')
})

t.test('a client that disconnects closes the reader', { timeout: 10_000 }, async t => {
  const { app, torrent } = setup(t, { verified: false })
  torrent.verify(0, 1)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const req = httpRequest({ host: '127.0.0.1', port, path: `/stream/${torrent.infoHash}/0` })
  const got = new Promise<number>(resolve => req.on('response', res => {
    res.once('data', () => resolve(res.statusCode ?? 0))
  }))
  req.on('error', () => {})
  req.end()
  t.equal(await got, 200, 'the first bytes arrive')
  await until(() => torrent.pendingReads() === 1, 'the stream to wait for a missing piece')
  req.destroy()
  await until(() => streamReader(torrent)?.closed === true, 'the reader to close')
  t.equal(torrent.pendingReads(), 0)
})

t.test('unknown torrents and files get 404 with a code', async t => {
  const { app, torrent } = setup(t)
  const noTorrent = await app.inject({ url: `/stream/${'a'.repeat(40)}/0` })
  t.equal(noTorrent.statusCode, 404)
  t.equal(noTorrent.json().error.code, 'REEL_ERR_TORRENT_NOT_FOUND')
  const noFile = await app.inject({ url: `/stream/${torrent.infoHash}/3` })
  t.equal(noFile.statusCode, 404)
  t.equal(noFile.json().error.code, 'REEL_ERR_FILE_NOT_FOUND')
})

t.test('a malformed info hash or file index gets 400', async t => {
  const { app, torrent } = setup(t)
  for (const url of ['/stream/xyz/0', `/stream/${torrent.infoHash}/-1`, `/stream/${torrent.infoHash}/one`]) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 400, url)
    t.equal(res.json().error.code, 'REEL_ERR_BAD_REQUEST')
  }
})

t.test('?rate= hands the stream\'s playback rate to the engine\'s reader; a malformed one gets 400', async t => {
  const { app, torrent } = setup(t)
  const played = await app.inject({ url: `/stream/${torrent.infoHash}/0?rate=500000`, headers: { range: 'bytes=0-99' } })
  t.equal(played.statusCode, 206)
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0, bytesPerSecond: 500000 })
  const plain = await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=0-99' } })
  t.equal(plain.statusCode, 206)
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0 }, 'without it the engine estimates the rate')
  for (const rate of ['0', '-5', 'fast', '1.5', String(2 * 1024 ** 3)]) {
    const res = await app.inject({ url: `/stream/${torrent.infoHash}/0?rate=${rate}` })
    t.equal(res.statusCode, 400, `rate=${rate}`)
    t.match(res.json().error.message, /rate must be the stream's bytes per second/)
  }
})

t.test('?background=1 marks a reader nobody watches (a probe, a poster); anything but 1 or 0 gets 400', async t => {
  const { app, torrent } = setup(t)
  const probe = await app.inject({ url: `/stream/${torrent.infoHash}/0?background=1`, headers: { range: 'bytes=0-99' } })
  t.equal(probe.statusCode, 206)
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0, background: true })
  const viewer = await app.inject({ url: `/stream/${torrent.infoHash}/0?background=0&rate=500000`, headers: { range: 'bytes=0-99' } })
  t.equal(viewer.statusCode, 206)
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0, bytesPerSecond: 500000 })
  for (const flag of ['yes', 'true', '', '2']) {
    const res = await app.inject({ url: `/stream/${torrent.infoHash}/0?background=${flag}` })
    t.equal(res.statusCode, 400, `background=${flag}`)
    t.match(res.json().error.message, /background must be 1/)
  }
})

t.test('streamPath builds the route with what its reader declares', async t => {
  const hash = 'a'.repeat(40)
  t.equal(streamPath(hash, 2), `/stream/${hash}/2`)
  t.equal(streamPath(hash, 0, { bytesPerSecond: 500000 }), `/stream/${hash}/0?rate=500000`)
  t.equal(streamPath(hash, 0, { background: true }), `/stream/${hash}/0?background=1`)
})

t.test('an upper-case info hash finds the torrent', async t => {
  const { app, torrent } = setup(t)
  const res = await app.inject({ url: `/stream/${torrent.infoHash.toUpperCase()}/0`, headers: { range: 'bytes=0-0' } })
  t.equal(res.statusCode, 206)
})

t.test('a magnet stream waits for metadata, then serves the file', async t => {
  const { app, engine } = setup(t)
  const magnet = engine.put(new FakeTorrent({ name: 'Late', files: [{ path: 'late.webm', content: Buffer.from('late bytes') }], hasMetadata: false }))
  const pending = app.inject({ url: `/stream/${magnet.infoHash}/0` })
  await sleep(20)
  magnet.installMetadata()
  const res = await pending
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'late bytes')
  t.equal(res.headers['content-type'], 'video/webm')
})

t.test('a magnet whose metadata does not come in time gets 503', async t => {
  const { app, engine } = setup(t, { metadataTimeoutMs: 30 })
  const magnet = engine.put(new FakeTorrent({ name: 'Never', files: [{ path: 'x.mp4', content: Buffer.alloc(1) }], hasMetadata: false }))
  const res = await app.inject({ url: `/stream/${magnet.infoHash}/0` })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'REEL_ERR_METADATA_PENDING')
  t.ok(res.headers['retry-after'])
})

t.test('a film streamed without ?rate= gets its playback rate from its container once its header is in', { skip: hasFfmpeg ? false : 'ffmpeg and ffprobe are not installed' }, async t => {
  const path = (await mediaFixtures())['mkv-aac']
  const mkv = await readFile(path)
  const rate = Math.round(mkv.length / probedDuration(path))
  const engine = new FakeEngine()
  const pieceLength = 16 * 1024
  const torrent = engine.put(new FakeTorrent({ name: 'Film', pieceLength, verified: false, files: [{ path: 'Film/film.mkv', content: mkv }] }))
  const app = buildHttpApp({ engine, log: silentLogger() })
  t.teardown(async () => { await app.close() })
  const url = `/stream/${torrent.infoHash}/0`

  const first = app.inject({ url, headers: { range: `bytes=0-${8 * pieceLength - 1}` } })
  await until(() => streamReader(torrent) !== undefined, 'the stream to open')
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0 }, 'the stream opens before the rate is known')
  torrent.verify(0, 1, 2, 3, 4)
  await until(() => (streamReader(torrent)?.declaredRates.length ?? 0) > 0, 'the rate to be declared')
  t.same(streamReader(torrent)?.declaredRates, [rate], 'the file\'s length over its duration, declared to the open stream')
  torrent.verifyAll()
  t.equal((await first).statusCode, 206)

  t.equal((await app.inject({ url, headers: { range: 'bytes=200000-200099' } })).statusCode, 206)
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0, bytesPerSecond: rate }, 'the next stream knows it at open')
  t.equal(torrent.readerOptions.filter(o => o.background === true).length, 1, 'the header was read once')
  await app.inject({ url: `${url}?rate=1000`, headers: { range: 'bytes=0-99' } })
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0, bytesPerSecond: 1000 }, 'a declared rate wins')
})

t.test('files that are not films, or whose header gives no duration, keep the read pace', async t => {
  const { app, torrent } = setup(t)
  t.equal((await app.inject({ url: `/stream/${torrent.infoHash}/2`, headers: { range: 'bytes=0-1' } })).statusCode, 206)
  t.equal(torrent.readerOptions.filter(o => o.background === true).length, 0, 'a file not named as a film is not read for a header')
  t.equal((await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=0-99' } })).statusCode, 206)
  t.equal((await app.inject({ url: `/stream/${torrent.infoHash}/0`, headers: { range: 'bytes=100-199' } })).statusCode, 206)
  t.equal(torrent.readerOptions.filter(o => o.background === true).length, 1, 'an .mp4 without a moov is read once')
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0 })
  t.same(torrent.readers.flatMap(r => r.declaredRates), [])
})

t.test('a film whose header gives an absurd duration (forged or broken) keeps the read pace', { skip: hasFfmpeg ? false : 'ffmpeg and ffprobe are not installed' }, async t => {
  const mkv = Buffer.from(await readFile((await mediaFixtures())['mkv-aac']))
  // The Segment's Duration: ID 0x4489, size 8 (0x88), a float64 of milliseconds.
  const at = mkv.subarray(0, 64 * 1024).indexOf(Buffer.from([0x44, 0x89, 0x88]))
  t.ok(at > 0, 'the fixture states its duration as a float64')
  mkv.writeDoubleBE(0.001, at + 3)
  const engine = new FakeEngine()
  const torrent = engine.put(new FakeTorrent({ name: 'Film', pieceLength: 16 * 1024, files: [{ path: 'Film/film.mkv', content: mkv }] }))
  const app = buildHttpApp({ engine, log: silentLogger() })
  t.teardown(async () => { await app.close() })
  const url = `/stream/${torrent.infoHash}/0`
  t.equal((await app.inject({ url, headers: { range: 'bytes=0-99' } })).statusCode, 206)
  t.equal((await app.inject({ url, headers: { range: 'bytes=100-199' } })).statusCode, 206)
  t.same(torrent.readers.flatMap(r => r.declaredRates), [], 'a microsecond film of megabytes declares nothing')
  t.same(torrent.readerOptions.at(-1), { fileIndex: 0 }, 'nor is it known at open')
})
