/** The player UI's files at `/`, index.html for client routes, and JSON 404s everywhere else. */
import Fastify from 'fastify'
import t from 'tap'
import { registerErrorHandling } from '../../src/api/errors.js'
import { uiRoutes } from '../../src/api/ui.js'
import { silentLogger } from '../../src/log.js'
import type { TapTest } from '../helpers/tap-types.js'

const INDEX = '<!doctype html><div id="app"></div>'

async function setup (t: TapTest, files: Record<string, string> = { 'index.html': INDEX, 'app.js': 'console.log(1)', 'app.css': 'body{}' }) {
  const app = Fastify()
  registerErrorHandling(app, silentLogger())
  await app.register(uiRoutes({ log: silentLogger(), root: t.testdir(files) }))
  app.get('/api/titles', async () => [])
  t.teardown(async () => { await app.close() })
  return app
}

t.test('serves the built files with revalidation', async t => {
  const app = await setup(t)
  const index = await app.inject('/')
  t.equal(index.statusCode, 200)
  t.match(index.headers['content-type'], /text\/html/)
  t.equal(index.body, INDEX)
  t.equal(index.headers['cache-control'], 'no-cache')
  const js = await app.inject('/app.js')
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /javascript/)
  t.equal(js.headers['cache-control'], 'no-cache')
  t.match((await app.inject('/app.css')).headers['content-type'], /text\/css/)
})

t.test('client routes answer index.html so a reload stays on the screen', async t => {
  const app = await setup(t)
  for (const url of [`/title/${'a'.repeat(40)}-1`, `/play/${'a'.repeat(40)}-1?from=30`, '/settings']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.body, INDEX, url)
  }
})

t.test('API, HLS and stream paths that do not exist stay JSON 404s', async t => {
  const app = await setup(t)
  for (const url of ['/api/nope', `/hls/${'a'.repeat(40)}/0/index.m3u8`, `/stream/${'a'.repeat(40)}/0`, '/nope.js', '/title/x/y']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.equal(res.json().error.code, 'REEL_ERR_ROUTE_NOT_FOUND', url)
  }
  t.equal((await app.inject('/api/titles')).statusCode, 200, 'API routes are untouched')
})

t.test('without a build, / is a JSON 404 and the API still works', async t => {
  const app = await setup(t, {})
  const res = await app.inject('/')
  t.equal(res.statusCode, 404)
  t.equal(res.json().error.code, 'REEL_ERR_ROUTE_NOT_FOUND')
  t.equal((await app.inject('/api/titles')).statusCode, 200)
})
