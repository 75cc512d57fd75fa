import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { httpGet } from '../src/http-client.js'

async function serve (t: { teardown: (fn: () => Promise<void>) => void }, handler: Parameters<typeof createServer>[1]): Promise<{ origin: string, connections: () => number }> {
  let connections = 0
  const server: Server = createServer(handler)
  server.on('connection', () => { connections++ })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections }
}

async function bodyOf (response: Awaited<ReturnType<typeof httpGet>>): Promise<string> {
  let text = ''
  for await (const chunk of response.body as AsyncIterable<Buffer>) text += chunk.toString()
  return text
}

t.test('answers status, headers and body, and reuses the connection for the next request', async t => {
  const server = await serve(t, (req, res) => {
    res.writeHead(206, { 'content-range': 'bytes 0-4/10', 'x-asked': req.headers.range ?? '' })
    res.end('hello')
  })
  const first = await httpGet(`${server.origin}/f`, { headers: { range: 'bytes=0-4' } })
  t.same([first.status, first.header('Content-Range'), first.header('x-asked'), first.header('location')], [206, 'bytes 0-4/10', 'bytes=0-4', undefined])
  t.equal(await bodyOf(first), 'hello')
  const second = await httpGet(`${server.origin}/f`)
  t.equal(await bodyOf(second), 'hello')
  t.equal(server.connections(), 1, 'one kept-alive connection for both')
})

t.test('a URL that is not http(s) is refused before anything is sent', async t => {
  await t.rejects(httpGet('ftp://127.0.0.1/film.mp4'), { name: 'TypeError', message: /ftp:\/\/127\.0\.0\.1\/film\.mp4 is not an http\(s\) URL/ })
})

t.test('aborting fails the request; a refused connection fails with its error', async t => {
  const server = await serve(t, () => { /* never answers */ })
  const controller = new AbortController()
  const pending = httpGet(`${server.origin}/slow`, { signal: controller.signal })
  setTimeout(() => controller.abort(), 20)
  await t.rejects(pending, { name: 'AbortError' })
  await t.rejects(httpGet('http://127.0.0.1:1/'), { code: 'ECONNREFUSED' })
})

t.test('a body dropped mid-way fails its reader instead of crashing the process', async t => {
  const server = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-length': '100' })
    res.write('partial')
    setTimeout(() => res.destroy(), 20)
  })
  const response = await httpGet(`${server.origin}/cut`)
  await t.rejects(bodyOf(response))
})
