/**
 * The BEP 19 web seed against a real HTTP server on 127.0.0.1: URL building, exact bytes across
 * files, and every way a server can lie or break, which must end in a WebSeedError, never in
 * wrong bytes.
 */
import t from 'tap'
import { AbortedError, RangeNotSatisfiableError, UnsafePathError, WebSeedError } from '../../src/errors.js'
import { createWebSeed, type WebSeedFile, type WebSeedInit } from '../../src/discovery/index.js'
import { fileUrls } from '../../src/discovery/web-seed-layout.js'
import { contentBytes } from '../helpers/fixtures.js'
import { deferred, parseRange, serveFiles, startSeedServer, type Handler } from './fixtures/web-seed-server.js'

const SINGLE_NAME = 'Film Night ä.mp4'
const SINGLE = contentBytes('single', 0, 1000)

function singleSeed (url: string, extra: Partial<WebSeedInit> = {}): ReturnType<typeof createWebSeed> {
  return createWebSeed({
    url,
    torrentName: SINGLE_NAME,
    multiFile: false,
    files: [{ index: 0, path: SINGLE_NAME, length: SINGLE.length, offset: 0 }],
    requestTimeoutMs: 2000,
    ...extra
  })
}

const MULTI_NAME = 'Film Night ä'
const MULTI_FILES: WebSeedFile[] = [
  { index: 0, path: `${MULTI_NAME}/a.bin`, length: 10, offset: 0 },
  { index: 1, path: `${MULTI_NAME}/sub dir/b ü.bin`, length: 5, offset: 10 },
  { index: 2, path: `${MULTI_NAME}/日本/c#?.bin`, length: 20, offset: 15 }
]
const MULTI = contentBytes('multi', 0, 35)

function multiTree (prefix: string): Map<string, Uint8Array> {
  return new Map(MULTI_FILES.map(file => [`${prefix}/${file.path}`, MULTI.subarray(file.offset, file.offset + file.length)]))
}

/** The rejection of `promise`, failing the test if it resolves. */
async function failureOf (promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection, got a result')
}

/** A 206 answer for the asked range with `headers` and `body` chosen by the test. */
function answer206 (headers: (start: number, end: number) => Record<string, string | number>, body: (start: number, end: number) => Uint8Array): Handler {
  return (req, res) => {
    const [start, end] = parseRange(req) ?? [0, 0]
    res.writeHead(206, headers(start, end))
    res.end(body(start, end))
  }
}

t.test('file URLs follow BEP 19, each path segment URL-encoded', async t => {
  const one: WebSeedFile[] = [{ index: 0, path: SINGLE_NAME, length: 1, offset: 0 }]
  t.equal(fileUrls('http://h/seed/', SINGLE_NAME, false, one).get(0), 'http://h/seed/Film%20Night%20%C3%A4.mp4', 'a url ending in / gets the torrent name')
  t.equal(fileUrls('http://h/exact/film.mp4', SINGLE_NAME, false, one).get(0), 'http://h/exact/film.mp4', 'any other url is the file itself')
  const multi = fileUrls('http://h/seed', MULTI_NAME, true, MULTI_FILES)
  t.equal(multi.get(1), 'http://h/seed/Film%20Night%20%C3%A4/sub%20dir/b%20%C3%BC.bin', 'a slash is added before the torrent name')
  t.equal(multi.get(2), 'http://h/seed/Film%20Night%20%C3%A4/%E6%97%A5%E6%9C%AC/c%23%3F.bin', '# and ? are escaped, not taken as fragment or query')
  t.equal(fileUrls('http://h/seed/?token=abc', MULTI_NAME, true, MULTI_FILES).get(0), 'http://h/seed/Film%20Night%20%C3%A4/a.bin?token=abc', 'a query string on the seed URL is kept')
})

t.test('a seed URL that is not http(s) or a path segment the URL parser would resolve is refused', async t => {
  t.throws(() => singleSeed('ftp://127.0.0.1/seed/'), WebSeedError)
  t.throws(() => singleSeed('not a url'), WebSeedError)
  const dotted: WebSeedFile[] = [{ index: 0, path: `${MULTI_NAME}/../escape.bin`, length: 1, offset: 0 }]
  t.throws(() => createWebSeed({ url: 'http://127.0.0.1/seed/', torrentName: MULTI_NAME, multiFile: true, files: dotted }), UnsafePathError)
})

t.test('a single-file torrent is fetched from url + encoded name with the exact bytes', async t => {
  const server = await startSeedServer(t, serveFiles(new Map([[`/seed/${SINGLE_NAME}`, SINGLE]])))
  const bytes = await singleSeed(`${server.origin}/seed/`).fetchRange(100, 300)
  t.same(Buffer.from(bytes), SINGLE.subarray(100, 400))
  t.same(server.requests, [{ path: '/seed/Film%20Night%20%C3%A4.mp4', range: 'bytes=100-399' }])
})

t.test('a single-file url without a trailing slash is used as the file URL', async t => {
  const server = await startSeedServer(t, serveFiles(new Map([['/cdn/film.mp4', SINGLE]])))
  const bytes = await singleSeed(`${server.origin}/cdn/film.mp4`).fetchRange(0, 10)
  t.same(Buffer.from(bytes), SINGLE.subarray(0, 10))
  t.equal(server.requests[0]?.path, '/cdn/film.mp4')
})

t.test('a range spanning three files makes one Range request per file and returns exactly its bytes', async t => {
  const server = await startSeedServer(t, serveFiles(multiTree('/seed')))
  const seed = createWebSeed({ url: `${server.origin}/seed`, torrentName: MULTI_NAME, multiFile: true, files: MULTI_FILES })
  const bytes = await seed.fetchRange(7, 12)
  t.same(Buffer.from(bytes), MULTI.subarray(7, 19))
  const seen = [...server.requests].sort((a, b) => a.path.localeCompare(b.path))
  t.same(seen, [
    { path: '/seed/Film%20Night%20%C3%A4/%E6%97%A5%E6%9C%AC/c%23%3F.bin', range: 'bytes=0-3' },
    { path: '/seed/Film%20Night%20%C3%A4/a.bin', range: 'bytes=7-9' },
    { path: '/seed/Film%20Night%20%C3%A4/sub%20dir/b%20%C3%BC.bin', range: 'bytes=0-4' }
  ])
})

t.test('padding files are zeros filled locally, never requested', async t => {
  const files: WebSeedFile[] = [
    { index: 0, path: 'T/a.bin', length: 10, offset: 0 },
    { index: 1, path: 'T/.pad/6', length: 6, offset: 10, pad: true },
    { index: 2, path: 'T/c.bin', length: 10, offset: 16 }
  ]
  const server = await startSeedServer(t, serveFiles(new Map([['/s/T/a.bin', MULTI.subarray(0, 10)], ['/s/T/c.bin', MULTI.subarray(10, 20)]])))
  const bytes = await createWebSeed({ url: `${server.origin}/s/`, torrentName: 'T', multiFile: true, files }).fetchRange(5, 16)
  t.same(Buffer.from(bytes), Buffer.concat([MULTI.subarray(5, 10), Buffer.alloc(6), MULTI.subarray(10, 15)]))
  t.equal(server.requests.length, 2)
})

t.test('a range outside the torrent is refused without a request', async t => {
  const server = await startSeedServer(t)
  const seed = singleSeed(`${server.origin}/seed/`)
  t.type(await failureOf(seed.fetchRange(900, 101)), RangeNotSatisfiableError)
  t.type(await failureOf(seed.fetchRange(-1, 10)), RangeNotSatisfiableError)
  t.equal(server.requests.length, 0)
  t.same(await seed.fetchRange(5, 0), new Uint8Array(0), 'an empty range is empty')
})

t.test('no more than maxConcurrent requests are open at once, however many files a range spans', async t => {
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.name) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  const files: WebSeedFile[] = Array.from({ length: 14 }, (_, i) => ({ index: i, path: `T/f${i}`, length: 5, offset: i * 5 }))
  const honest = serveFiles(new Map(files.map(f => [`/s/${f.path}`, MULTI.subarray(f.offset % 35, f.offset % 35 + 5)])))
  const server = await startSeedServer(t, (req, res) => { setTimeout(() => honest(req, res), 20) })
  const bytes = await createWebSeed({ url: `${server.origin}/s/`, torrentName: 'T', multiFile: true, files, maxConcurrent: 2 }).fetchRange(0, 70)
  t.same(Buffer.from(bytes), Buffer.concat([MULTI, MULTI]))
  t.equal(server.requests.length, 14)
  t.equal(server.maxOpen(), 2)
  await new Promise(resolve => setImmediate(resolve))
  t.same(warnings, [], 'no listener-leak warnings from many parts waiting for a slot')
})

t.test('a whole-file request accepts 200 with the whole file', async t => {
  const server = await startSeedServer(t, (_req, res) => { res.writeHead(200, { 'content-length': SINGLE.length }).end(SINGLE) })
  t.same(Buffer.from(await singleSeed(`${server.origin}/f.mp4`).fetchRange(0, 1000)), SINGLE)
})

t.test('a server that ignores Range and answers 200 to a partial request is rejected without reading the body', async t => {
  const closed = deferred()
  const server = await startSeedServer(t, (_req, res) => {
    res.on('close', () => closed.resolve())
    res.writeHead(200, { 'content-length': 64 * 1024 * 1024 })
    res.write(Buffer.alloc(64 * 1024)) // and never more: the client must not wait for the rest
  })
  const started = Date.now()
  const err = await failureOf(singleSeed(`${server.origin}/f.mp4`, { requestTimeoutMs: 5000 }).fetchRange(0, 100))
  t.type(err, WebSeedError)
  t.match(err.message, /ignored the Range header and answered 200/)
  t.match(err.message, server.origin)
  t.ok(Date.now() - started < 2000, 'rejected at the headers, not after a timeout')
  await closed.promise
})

const lyingRanges: Array<[string, string | undefined, RegExp]> = [
  ['other bytes', 'bytes 1-100/1000', /for other bytes/],
  ['a different file length', 'bytes 0-99/999', /file's length differs/],
  ['an unknown file length', 'bytes 0-99/*', /file's length differs/],
  ['a garbled header', 'bytes=0-99/1000', /malformed Content-Range/],
  ['several ranges', 'bytes 0-99/1000, 200-299/1000', /malformed Content-Range/],
  ['no header at all', undefined, /206 without a Content-Range/]
]
for (const [what, header, expected] of lyingRanges) {
  t.test(`a 206 whose Content-Range names ${what} is rejected`, async t => {
    const server = await startSeedServer(t, answer206(
      (): Record<string, string> => header === undefined ? {} : { 'content-range': header },
      (start, end) => SINGLE.subarray(start, end + 1)))
    const err = await failureOf(singleSeed(`${server.origin}/f.mp4`).fetchRange(0, 100))
    t.type(err, WebSeedError)
    t.match(err.message, expected)
  })
}

t.test('a body that ends early is rejected', async t => {
  const server = await startSeedServer(t, answer206(
    (start, end) => ({ 'content-range': `bytes ${start}-${end}/1000` }),
    (start) => SINGLE.subarray(start, start + 50)))
  const err = await failureOf(singleSeed(`${server.origin}/f.mp4`).fetchRange(0, 100))
  t.type(err, WebSeedError)
  t.match(err.message, /body ended after 50 of 100 bytes/)
})

t.test('a server closing the connection mid-body is rejected', async t => {
  const server = await startSeedServer(t, (req, res) => {
    res.writeHead(206, { 'content-range': 'bytes 0-99/1000', 'content-length': 100 })
    res.write(SINGLE.subarray(0, 50), () => req.socket.destroy())
  })
  const err = await failureOf(singleSeed(`${server.origin}/f.mp4`).fetchRange(0, 100))
  t.type(err, WebSeedError)
  t.match(err.message, /connection dropped after \d+ of 100 bytes/)
})

t.test('a body longer than the range is rejected', async t => {
  const server = await startSeedServer(t, answer206(
    (start, end) => ({ 'content-range': `bytes ${start}-${end}/1000` }),
    (start, end) => SINGLE.subarray(start, end + 51)))
  const err = await failureOf(singleSeed(`${server.origin}/f.mp4`).fetchRange(0, 100))
  t.type(err, WebSeedError)
  t.match(err.message, /sent more than the 100 bytes/)
})

t.test('a Content-Length that disagrees with the range is rejected before the body', async t => {
  const server = await startSeedServer(t, answer206(
    (start, end) => ({ 'content-range': `bytes ${start}-${end}/1000`, 'content-length': 150 }),
    (start, end) => SINGLE.subarray(start, end + 51)))
  t.match((await failureOf(singleSeed(`${server.origin}/f.mp4`).fetchRange(0, 100))).message, /declared Content-Length 150/)
})

t.test('a compressed body is rejected: byte ranges need the raw file', async t => {
  const server = await startSeedServer(t, answer206(
    (start, end) => ({ 'content-range': `bytes ${start}-${end}/1000`, 'content-encoding': 'gzip' }),
    (start, end) => SINGLE.subarray(start, end + 1)))
  t.match((await failureOf(singleSeed(`${server.origin}/f.mp4`).fetchRange(0, 100))).message, /gzip-encoded/)
})

const statuses: Array<[string, number, RegExp]> = [
  ['404', 404, /404 Not Found; the file is not on the web seed/],
  ['500', 500, /HTTP 500 Internal Server Error/],
  ['503', 503, /HTTP 503/]
]
for (const [what, status, expected] of statuses) {
  t.test(`a ${what} answer is rejected with the URL in the message`, async t => {
    const server = await startSeedServer(t, (_req, res) => { res.writeHead(status).end('nope') })
    const err = await failureOf(singleSeed(`${server.origin}/seed/`).fetchRange(0, 100))
    t.type(err, WebSeedError)
    t.equal((err as WebSeedError).code, 'REEL_ERR_WEB_SEED')
    t.match(err.message, expected)
    t.match(err.message, `${server.origin}/seed/Film%20Night%20%C3%A4.mp4`)
  })
}

t.test('a 416 from a server whose file is shorter than the torrent says is rejected', async t => {
  const server = await startSeedServer(t, serveFiles(new Map([['/f.mp4', SINGLE.subarray(0, 500)]])))
  t.match((await failureOf(singleSeed(`${server.origin}/f.mp4`).fetchRange(900, 100))).message, /416 Range Not Satisfiable/)
})

t.test('a redirect is followed with the same Range', async t => {
  const honest = serveFiles(new Map([['/moved/f.mp4', SINGLE]]))
  const server = await startSeedServer(t, (req, res) => {
    if (req.url === '/f.mp4') res.writeHead(302, { location: '/moved/f.mp4' }).end()
    else honest(req, res)
  })
  t.same(Buffer.from(await singleSeed(`${server.origin}/f.mp4`).fetchRange(10, 20)), SINGLE.subarray(10, 30))
  t.same(server.requests.map(r => r.range), ['bytes=10-29', 'bytes=10-29'])
})

t.test('a redirect loop and an endless redirect chain are rejected', async t => {
  let hops = 0
  const server = await startSeedServer(t, (req, res) => {
    const url = req.url ?? ''
    if (url === '/a') res.writeHead(301, { location: '/b' }).end()
    else if (url === '/b') res.writeHead(307, { location: `${server.origin}/a` }).end()
    else res.writeHead(302, { location: `/chain/${++hops}` }).end()
  })
  t.match((await failureOf(singleSeed(`${server.origin}/a`).fetchRange(0, 10))).message, /redirect loop/)
  t.match((await failureOf(singleSeed(`${server.origin}/chain`).fetchRange(0, 10))).message, /more than 5 redirects/)
})

t.test('a connection reset is rejected', async t => {
  const server = await startSeedServer(t, req => { req.socket.destroy() })
  const err = await failureOf(singleSeed(`${server.origin}/f.mp4`).fetchRange(0, 10))
  t.type(err, WebSeedError)
  t.match(err.message, /connection failed/)
})

t.test('a server that never answers times out', async t => {
  const server = await startSeedServer(t, () => {})
  const started = Date.now()
  const err = await failureOf(singleSeed(`${server.origin}/f.mp4`, { requestTimeoutMs: 150 }).fetchRange(0, 10))
  t.type(err, WebSeedError)
  t.match(err.message, /no data for 150 ms .*\(stalled\)/)
  t.ok(Date.now() - started >= 140)
})

t.test('a body that stalls halfway times out and the socket is closed', async t => {
  const closed = deferred()
  const server = await startSeedServer(t, (_req, res) => {
    res.on('close', () => closed.resolve())
    res.writeHead(206, { 'content-range': 'bytes 0-99/1000', 'content-length': 100 })
    res.write(SINGLE.subarray(0, 50))
  })
  const err = await failureOf(singleSeed(`${server.origin}/f.mp4`, { requestTimeoutMs: 150 }).fetchRange(0, 100))
  t.match(err.message, /stalled/)
  await closed.promise
})

t.test('a slow body that keeps moving is not a stall', async t => {
  const server = await startSeedServer(t, (_req, res) => {
    res.writeHead(206, { 'content-range': 'bytes 0-99/1000', 'content-length': 100 })
    let sent = 0
    const timer = setInterval(() => {
      res.write(SINGLE.subarray(sent, sent + 10))
      sent += 10
      if (sent === 100) { clearInterval(timer); res.end() }
    }, 40)
  })
  const bytes = await singleSeed(`${server.origin}/f.mp4`, { requestTimeoutMs: 150 }).fetchRange(0, 100)
  t.same(Buffer.from(bytes), SINGLE.subarray(0, 100))
})
