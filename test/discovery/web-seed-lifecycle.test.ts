/**
 * A web seed over time, against a real HTTP server on 127.0.0.1: cancellation reaches the
 * socket, rate and queued bytes follow the requests, and a failing seed backs off and recovers.
 */
import t from 'tap'
import { AbortedError, WebSeedError } from '../../src/errors.js'
import { createWebSeed, type WebSeedInit } from '../../src/discovery/index.js'
import { contentBytes } from '../helpers/fixtures.js'
import { deferred, serveFiles, startSeedServer, type Handler } from './fixtures/web-seed-server.js'

const DATA = contentBytes('lifecycle', 0, 1000)

function seedAt (url: string, extra: Partial<WebSeedInit> = {}): ReturnType<typeof createWebSeed> {
  return createWebSeed({ url, torrentName: 'f.mp4', multiFile: false, files: [{ index: 0, path: 'f.mp4', length: DATA.length, offset: 0 }], requestTimeoutMs: 2000, ...extra })
}

/** Holds every request after its headers and 10 body bytes; reports arrival and socket close. */
function holdingHandler (arrived: () => void, closed: () => void): Handler {
  return (_req, res) => {
    res.on('close', closed)
    res.writeHead(206, { 'content-range': 'bytes 0-99/1000', 'content-length': 100 })
    res.write(DATA.subarray(0, 10), arrived)
  }
}

async function failureOf (promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection, got a result')
}

t.test('aborting through the signal cancels the HTTP request: the server sees the socket close', async t => {
  const arrived = deferred()
  const closed = deferred()
  const server = await startSeedServer(t, holdingHandler(arrived.resolve, closed.resolve))
  const seed = seedAt(`${server.origin}/f.mp4`, { failuresBeforeBackoff: 1 })
  const controller = new AbortController()
  const fetching = failureOf(seed.fetchRange(0, 100, { signal: controller.signal }))
  await arrived.promise
  t.equal(seed.queuedBytes(), 100)
  controller.abort()
  const err = await fetching
  t.type(err, AbortedError)
  await closed.promise
  t.equal(seed.queuedBytes(), 0)
  t.ok(seed.isUsable(), 'a cancelled fetch is not the server failing')
})

t.test('a fetch waiting for a free request slot leaves the queue when aborted, unsent', async t => {
  const arrived = deferred()
  const server = await startSeedServer(t, holdingHandler(arrived.resolve, () => {}))
  const seed = seedAt(`${server.origin}/f.mp4`, { maxConcurrent: 1 })
  const first = failureOf(seed.fetchRange(0, 100))
  await arrived.promise
  const controller = new AbortController()
  const second = seed.fetchRange(200, 100, { signal: controller.signal })
  t.equal(seed.queuedBytes(), 200)
  controller.abort()
  t.type(await failureOf(second), AbortedError)
  t.equal(server.requests.length, 1)
  t.equal(seed.queuedBytes(), 100)
  seed.close()
  t.type(await first, AbortedError)
})

t.test('an already aborted signal sends nothing', async t => {
  const server = await startSeedServer(t)
  t.type(await failureOf(seedAt(`${server.origin}/f.mp4`).fetchRange(0, 10, { signal: AbortSignal.abort() })), AbortedError)
  t.equal(server.requests.length, 0)
})

t.test('close aborts every request in flight and refuses new ones', async t => {
  let arrivals = 0
  const bothArrived = deferred()
  let closes = 0
  const bothClosed = deferred()
  const server = await startSeedServer(t, holdingHandler(
    () => { if (++arrivals === 2) bothArrived.resolve() },
    () => { if (++closes === 2) bothClosed.resolve() }))
  const seed = seedAt(`${server.origin}/f.mp4`)
  const fetches = [failureOf(seed.fetchRange(0, 100)), failureOf(seed.fetchRange(0, 100))]
  await bothArrived.promise
  seed.close()
  for (const err of await Promise.all(fetches)) t.type(err, AbortedError)
  await bothClosed.promise
  t.notOk(seed.isUsable())
  t.type(await failureOf(seed.fetchRange(0, 10)), AbortedError)
  t.equal(server.requests.length, 2)
})

t.test('a failing part cancels the other parts of the same fetch', async t => {
  const closed = deferred()
  const server = await startSeedServer(t, (req, res) => {
    if (req.url?.endsWith('/a') === true) {
      res.on('close', () => closed.resolve())
      res.writeHead(206, { 'content-range': 'bytes 0-9/10', 'content-length': 10 })
      res.write(DATA.subarray(0, 1)) // then hangs
    } else {
      setTimeout(() => res.writeHead(500).end(), 20)
    }
  })
  const seed = createWebSeed({
    url: `${server.origin}/s/`, torrentName: 'T', multiFile: true,
    files: [{ index: 0, path: 'T/a', length: 10, offset: 0 }, { index: 1, path: 'T/b', length: 10, offset: 10 }]
  })
  const err = await failureOf(seed.fetchRange(0, 20))
  t.type(err, WebSeedError)
  t.match(err.message, /HTTP 500/)
  await closed.promise
  t.equal(seed.queuedBytes(), 0)
})

t.test('rate() and queuedBytes() follow the requests', async t => {
  let clock = 0
  const arrived = deferred()
  const release = deferred()
  const honest = serveFiles(new Map([['/f.mp4', DATA]]))
  const server = await startSeedServer(t, (req, res) => { arrived.resolve(); void release.promise.then(() => honest(req, res)) })
  const seed = seedAt(`${server.origin}/f.mp4`, { now: () => clock })
  t.equal(seed.rate(), 0, 'no rate before any fetch')
  t.equal(seed.queuedBytes(), 0)
  const fetching = seed.fetchRange(0, 400)
  t.equal(seed.queuedBytes(), 400, 'asked bytes are queued at once')
  await arrived.promise
  clock = 500
  release.resolve()
  t.same(Buffer.from(await fetching), DATA.subarray(0, 400))
  t.equal(seed.queuedBytes(), 0)
  t.equal(seed.rate(), 800, '400 bytes in 500 ms')
})

t.test('a failing seed backs off for exponentially growing pauses and recovers on success', async t => {
  let clock = 0
  const failing: Handler = (_req, res) => { res.writeHead(500).end() }
  const server = await startSeedServer(t, failing)
  const seed = seedAt(`${server.origin}/f.mp4`, { now: () => clock, failuresBeforeBackoff: 2, backoffBaseMs: 1000, backoffMaxMs: 3000 })
  const fail = async (): Promise<void> => { t.type(await failureOf(seed.fetchRange(0, 10)), WebSeedError) }

  await fail()
  t.ok(seed.isUsable(), 'one failure is not yet a pattern')
  await fail()
  t.notOk(seed.isUsable(), 'paused after the second failure in a row')
  clock = 999
  t.notOk(seed.isUsable())
  clock = 1000
  t.ok(seed.isUsable(), 'usable again when the first pause ends')
  await fail()
  t.notOk(seed.isUsable(), 'a failed probe pauses again')
  clock = 2999
  t.notOk(seed.isUsable(), 'for twice as long')
  clock = 3000
  t.ok(seed.isUsable())
  await fail()
  clock = 5999
  t.notOk(seed.isUsable(), 'pauses stop growing at backoffMaxMs')
  clock = 6000
  t.ok(seed.isUsable())

  server.handle(serveFiles(new Map([['/f.mp4', DATA]])))
  t.same(Buffer.from(await seed.fetchRange(0, 10)), DATA.subarray(0, 10))
  t.ok(seed.isUsable())
  server.handle(failing)
  await fail()
  t.ok(seed.isUsable(), 'a success forgets earlier failures')
})
