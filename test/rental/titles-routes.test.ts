/** `/api/titles` and `/api/player/state` through inject(), on the error handler every route shares. */
import Fastify from 'fastify'
import t from 'tap'
import { registerErrorHandling } from '../../src/api/errors.js'
import { titleRoutes } from '../../src/api/titles.js'
import { silentLogger } from '../../src/log.js'
import { createCatalog, createWatchHistory, PlayerPresence } from '../../src/rental/index.js'
import { FakeEngine, FakeTorrent } from '../api/fixtures/fake-engine.js'
import type { TapTest } from '../helpers/tap-types.js'

async function setup (t: TapTest) {
  const engine = new FakeEngine()
  const film = engine.put(new FakeTorrent({ name: 'Film', files: [{ path: 'Film/notes.txt', content: Buffer.alloc(5) }, { path: 'Film/film.mkv', content: Buffer.alloc(64) }] }))
  let now = 1_700_000_000_000
  const history = createWatchHistory({ dataDir: t.testdir(), log: silentLogger(), now: () => now })
  await history.start()
  const presence = new PlayerPresence({ now: () => now })
  const app = Fastify()
  registerErrorHandling(app, silentLogger())
  await app.register(titleRoutes({ catalog: createCatalog({ engine, history }), history, presence }))
  t.teardown(async () => { await app.close(); await history.stop() })
  return { app, film, history, tick: (ms: number) => { now += ms } }
}

t.test('lists the titles and answers one by id', async t => {
  const { app, film } = await setup(t)
  const list = await app.inject('/api/titles')
  t.equal(list.statusCode, 200)
  t.same(list.json().map((x: { id: string }) => x.id), [`${film.infoHash}-1`])
  const one = await app.inject(`/api/titles/${film.infoHash}-1`)
  t.equal(one.statusCode, 200)
  t.match(one.json(), { name: 'Film', fileIndex: 1, lastPositionSeconds: 0, lastWatchedAt: null })
})

t.test('unknown, malformed and non-video titles get 4xx with a code', async t => {
  const { app, film } = await setup(t)
  const cases: Array<[string, number, string]> = [
    [`/api/titles/${'b'.repeat(40)}-1`, 404, 'REEL_ERR_TORRENT_NOT_FOUND'],
    [`/api/titles/${film.infoHash}-7`, 404, 'REEL_ERR_FILE_NOT_FOUND'],
    [`/api/titles/${film.infoHash}-0`, 404, 'REEL_ERR_FILE_NOT_FOUND'],
    ['/api/titles/not-a-title', 400, 'REEL_ERR_BAD_REQUEST']
  ]
  for (const [url, status, code] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.json().error.code, code, url)
  }
})

t.test('a saved position comes back with the title and its time', async t => {
  const { app, film, history } = await setup(t)
  const id = `${film.infoHash}-1`
  const put = await app.inject({ method: 'PUT', url: `/api/titles/${id}/position`, payload: { seconds: 125.5 } })
  t.equal(put.statusCode, 200)
  t.match(put.json(), { id, lastPositionSeconds: 125.5, lastWatchedAt: 1_700_000_000_000 })
  t.match((await app.inject(`/api/titles/${id}`)).json(), { lastPositionSeconds: 125.5 })
  t.same(history.get(id), { positionSeconds: 125.5, watchedAt: 1_700_000_000_000 })
})

t.test('bad positions are refused with 400, positions of unknown titles with 404', async t => {
  const { app, film } = await setup(t)
  const url = `/api/titles/${film.infoHash}-1/position`
  for (const payload of [{}, { seconds: -1 }, { seconds: 'soon' }, { seconds: 1e9 }]) {
    const res = await app.inject({ method: 'PUT', url, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().error.code, 'REEL_ERR_BAD_REQUEST')
  }
  const broken = await app.inject({ method: 'PUT', url, headers: { 'content-type': 'application/json' }, payload: '{"seconds":' })
  t.equal(broken.statusCode, 400)
  const unknown = await app.inject({ method: 'PUT', url: `/api/titles/${'c'.repeat(40)}-0/position`, payload: { seconds: 3 } })
  t.equal(unknown.statusCode, 404)
})

t.test('the player reports whether it plays and is visible', async t => {
  const { app, tick } = await setup(t)
  const post = await app.inject({ method: 'POST', url: '/api/player/state', payload: { playing: true, visible: true } })
  t.equal(post.statusCode, 200)
  t.same(post.json(), { playing: true, visible: true, reportedAt: 1_700_000_000_000 })
  tick(1000)
  t.same((await app.inject('/api/player/state')).json(), { playing: true, visible: true, reportedAt: 1_700_000_000_000 })
  for (const payload of [{ playing: true }, { playing: 'maybe', visible: true }]) {
    const res = await app.inject({ method: 'POST', url: '/api/player/state', payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
  }
})
