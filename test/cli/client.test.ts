import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { buildHttpApp } from '../../src/api/index.js'
import { runCli, type CliContext } from '../../src/cli/index.js'
import { silentLogger } from '../../src/log.js'
import { FakeEngine, FakeTorrent, patternBytes } from '../api/fixtures/fake-engine.js'

interface Captured { ctx: CliContext, out: () => string, err: () => string }

function capture (env: CliContext['env'] = {}): Captured {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  stderr.setEncoding('utf8').on('data', (s: string) => { err += s })
  return { ctx: { env, stdout, stderr }, out: () => out, err: () => err }
}

async function daemonWithFakeEngine (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ url: string, engine: FakeEngine }> {
  const engine = new FakeEngine()
  const app = buildHttpApp({ engine, log: silentLogger() })
  t.teardown(async () => { await app.close() })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, engine }
}

t.test('reel add posts a .torrent file and prints its files with stream URLs', async t => {
  const { url, engine } = await daemonWithFakeEngine(t)
  const dir = await mkdtemp(join(tmpdir(), 'reel-add-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const bytes = Buffer.from('d4:infod4:name4:Filmee')
  const film = new FakeTorrent({ name: 'Film', files: [{ path: 'Film/film.mp4', content: patternBytes(2048) }] })
  engine.accept(bytes, film)
  await writeFile(join(dir, 'film.torrent'), bytes)
  const io = capture()
  t.equal(await runCli(['add', join(dir, 'film.torrent'), '--url', url], io.ctx), 0)
  t.match(io.out(), `added ${film.infoHash} Film`)
  t.match(io.out(), `0  Film/film.mp4  2.0 KiB  ${url}/stream/${film.infoHash}/0`)
  const again = capture()
  t.equal(await runCli(['add', join(dir, 'film.torrent'), '--url', url, '--json'], again.ctx), 1)
  t.match(again.err(), /^REEL_ERR_DUPLICATE_TORRENT: /)
})

t.test('reel add sends a magnet as JSON', async t => {
  const { url, engine } = await daemonWithFakeEngine(t)
  const io = capture({ REEL_URL: url })
  t.equal(await runCli(['add', `magnet:?xt=urn:btih:${'c'.repeat(40)}`, '--json'], io.ctx), 0)
  t.same(JSON.parse(io.out()), { infoHash: 'c'.repeat(40), name: '', files: [] })
  t.ok(engine.get('c'.repeat(40)))
})

t.test('reel status lists torrents, and one torrent in detail', async t => {
  const { url, engine } = await daemonWithFakeEngine(t)
  const empty = capture()
  t.equal(await runCli(['status', '--url', url], empty.ctx), 0)
  t.match(empty.out(), /no torrents/)
  const film = engine.put(new FakeTorrent({ name: 'Film', files: [{ path: 'Film/film.mp4', content: patternBytes(100) }] }))
  const list = capture()
  t.equal(await runCli(['status', '--url', url], list.ctx), 0)
  t.match(list.out(), new RegExp(`^${film.infoHash}  seeding +100\\.0%  peers 3 .* Film$`, 'm'))
  const one = capture()
  t.equal(await runCli(['status', film.infoHash, '--url', url], one.ctx), 0)
  t.match(one.out(), /from peers 3\.0 KiB, from web seeds 1\.0 KiB/)
  t.match(one.out(), /  0 +0\.0%  100 B  Film\/film\.mp4/)
  const json = capture()
  t.equal(await runCli(['status', '--url', url, '--json'], json.ctx), 0)
  t.equal(JSON.parse(json.out())[0].infoHash, film.infoHash)
  const missing = capture()
  t.equal(await runCli(['status', 'f'.repeat(40), '--url', url], missing.ctx), 1)
  t.match(missing.err(), /^REEL_ERR_TORRENT_NOT_FOUND: /)
})

t.test('a daemon that is not there is reported as unreachable', async t => {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise(resolve => server.close(resolve))
  const io = capture()
  t.equal(await runCli(['status', '--url', `http://127.0.0.1:${port}`], io.ctx), 1)
  t.match(io.err(), `REEL_ERR_DAEMON_UNREACHABLE: cannot reach the daemon at http://127.0.0.1:${port} (ECONNREFUSED)`)
})

t.test('usage mistakes exit 2 with a hint, help and version exit 0', async t => {
  const unknown = capture()
  t.equal(await runCli(['frobnicate'], unknown.ctx), 2)
  t.match(unknown.err(), /REEL_ERR_USAGE: unknown command "frobnicate"/)
  const noArg = capture()
  t.equal(await runCli(['add'], noArg.ctx), 2)
  const missingFile = capture()
  t.equal(await runCli(['add', '/nonexistent/x.torrent', '--url', 'http://127.0.0.1:1'], missingFile.ctx), 2)
  t.match(missingFile.err(), /cannot read \/nonexistent\/x\.torrent \(ENOENT\)/)
  const help = capture()
  t.equal(await runCli(['help'], help.ctx), 0)
  t.match(help.out(), /reel daemon \[--config FILE\]/)
  const version = capture()
  t.equal(await runCli(['--version'], version.ctx), 0)
  t.match(version.out(), /^reel \d+\.\d+\.\d+/)
})

t.test('a bad daemon flag exits 1 with a ConfigError before anything starts', async t => {
  const io = capture()
  t.equal(await runCli(['daemon', '--port', 'abc'], io.ctx), 1)
  t.match(io.err(), /^REEL_ERR_CONFIG: "http\.port" from flag --port/)
})
