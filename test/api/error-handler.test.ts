import t from 'tap'
import { buildHttpApp, httpStatusFor, toReelError } from '../../src/api/index.js'
import { DiskFullError, InternalError, StorageError } from '../../src/errors.js'
import { silentLogger } from '../../src/log.js'
import { FakeEngine } from './fixtures/fake-engine.js'

t.test('error codes map to the statuses of the HTTP contract', async t => {
  t.equal(httpStatusFor('REEL_ERR_BAD_TORRENT'), 400)
  t.equal(httpStatusFor('REEL_ERR_UNSAFE_PATH'), 400)
  t.equal(httpStatusFor('REEL_ERR_TORRENT_NOT_FOUND'), 404)
  t.equal(httpStatusFor('REEL_ERR_FILE_NOT_FOUND'), 404)
  t.equal(httpStatusFor('REEL_ERR_DUPLICATE_TORRENT'), 409)
  t.equal(httpStatusFor('REEL_ERR_RANGE_NOT_SATISFIABLE'), 416)
  t.equal(httpStatusFor('REEL_ERR_DISK_FULL'), 507)
  t.equal(httpStatusFor('REEL_ERR_STORAGE'), 500)
  t.equal(httpStatusFor('SOMETHING_ELSE'), 500)
})

t.test('an unnamed failure becomes a 500 that does not leak its message', async t => {
  const app = buildHttpApp({ engine: new FakeEngine(), log: silentLogger() })
  app.get('/boom', async () => { throw new Error('secret internals at /home/x') })
  app.get('/disk', async () => { throw new DiskFullError('the disk holding /var/lib/reel is full; free space') })
  app.get('/storage', async () => { throw new StorageError('read failed') })
  t.teardown(async () => { await app.close() })
  const boom = await app.inject({ url: '/boom' })
  t.equal(boom.statusCode, 500)
  t.equal(boom.json().error.code, 'REEL_ERR_INTERNAL')
  t.notMatch(boom.body, /secret/)
  const disk = await app.inject({ url: '/disk' })
  t.equal(disk.statusCode, 507)
  t.same(disk.json(), { error: { code: 'REEL_ERR_DISK_FULL', message: 'the disk holding /var/lib/reel is full; free space' } })
  t.equal((await app.inject({ url: '/storage' })).statusCode, 500)
})

t.test('an unknown route gets 404 with a code', async t => {
  const app = buildHttpApp({ engine: new FakeEngine(), log: silentLogger() })
  t.teardown(async () => { await app.close() })
  const res = await app.inject({ url: '/nope?x=1' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: { code: 'REEL_ERR_ROUTE_NOT_FOUND', message: 'no route for GET /nope' } })
})

t.test('fastify errors become named Reel errors', async t => {
  t.equal(toReelError(Object.assign(new Error('body/x must be string'), { validation: [], statusCode: 400 })).code, 'REEL_ERR_BAD_REQUEST')
  t.equal(toReelError(Object.assign(new Error('too large'), { statusCode: 413 })).code, 'REEL_ERR_PAYLOAD_TOO_LARGE')
  t.equal(toReelError(Object.assign(new Error('media'), { statusCode: 415 })).code, 'REEL_ERR_UNSUPPORTED_MEDIA_TYPE')
  t.equal(toReelError(Object.assign(new Error('bad json'), { statusCode: 400 })).code, 'REEL_ERR_BAD_REQUEST')
  t.type(toReelError('a string'), InternalError)
})
