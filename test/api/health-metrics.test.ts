import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildHttpApp } from '../../src/api/index.js'
import { renderMetrics } from '../../src/api/prometheus-text.js'
import { silentLogger } from '../../src/log.js'
import { FakeEngine, FakeTorrent, patternBytes } from './fixtures/fake-engine.js'

async function tempDir (t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reel-health-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

t.test('healthz is ok when the engine runs and the data dir is writable', async t => {
  const dataDir = await tempDir(t)
  const app = buildHttpApp({ engine: new FakeEngine(), log: silentLogger(), dataDir, engineRunning: () => true })
  t.teardown(async () => { await app.close() })
  const res = await app.inject({ url: '/healthz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('healthz is 503 while the engine is stopped', async t => {
  const dataDir = await tempDir(t)
  let running = false
  const app = buildHttpApp({ engine: new FakeEngine(), log: silentLogger(), dataDir, engineRunning: () => running })
  t.teardown(async () => { await app.close() })
  const res = await app.inject({ url: '/healthz' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().status, 'unavailable')
  t.match(res.json().problems, [/engine/])
  running = true
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
})

t.test('healthz is 503 when the data dir is missing or not writable', async t => {
  const dataDir = await tempDir(t)
  const missing = buildHttpApp({ engine: new FakeEngine(), log: silentLogger(), dataDir: join(dataDir, 'gone') })
  t.teardown(async () => { await missing.close() })
  const res = await missing.inject({ url: '/healthz' })
  t.equal(res.statusCode, 503)
  t.match(res.json().problems, [/data dir .* is not writable \(ENOENT\)/])
  if (process.getuid?.() !== 0) {
    await chmod(dataDir, 0o500)
    const readOnly = buildHttpApp({ engine: new FakeEngine(), log: silentLogger(), dataDir })
    t.teardown(async () => { await readOnly.close() })
    t.equal((await readOnly.inject({ url: '/healthz' })).statusCode, 503)
    await chmod(dataDir, 0o700)
  }
})

/** The Prometheus text format 0.0.4, line by line. */
const HELP = /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/
const TYPE = /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"'
const SAMPLE = new RegExp(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{${LABEL}(,${LABEL})*,?\\})? (NaN|[+-]Inf|[+-]?\\d+(\\.\\d+)?([eE][+-]?\\d+)?)( -?\\d+)?$`)

function checkExposition (t: { ok: (v: unknown, m: string) => void }, text: string): Map<string, string> {
  const types = new Map<string, string>()
  t.ok(text.endsWith('\n'), 'the text ends with a newline')
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP')) t.ok(HELP.test(line), `HELP line: ${line}`)
    else if (line.startsWith('# TYPE')) {
      t.ok(TYPE.test(line), `TYPE line: ${line}`)
      const [, , name, type] = line.split(' ')
      types.set(name ?? '', type ?? '')
    } else {
      t.ok(SAMPLE.test(line), `sample line: ${line}`)
      const name = line.split(/[{ ]/)[0] ?? ''
      t.ok(types.has(name), `${name} has a TYPE line before its samples`)
    }
  }
  return types
}

t.test('metrics are Prometheus text with totals and per-torrent series', async t => {
  const engine = new FakeEngine()
  const film = engine.put(new FakeTorrent({ name: 'Film', pieceLength: 10, files: [{ path: 'film.mp4', content: patternBytes(95) }] }))
  engine.put(new FakeTorrent({ name: 'Other', files: [{ path: 'other.mkv', content: patternBytes(10) }], hasMetadata: false }))
  const app = buildHttpApp({ engine, log: silentLogger() })
  t.teardown(async () => { await app.close() })
  const res = await app.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4')
  const types = checkExposition(t, res.body)
  for (const name of ['reel_peers', 'reel_download_rate_bytes_per_second', 'reel_upload_rate_bytes_per_second', 'reel_downloaded_bytes_total',
    'reel_uploaded_bytes_total', 'reel_received_bytes_total', 'reel_verified_pieces', 'reel_hash_failures_total', 'reel_banned_peers',
    'reel_torrent_peers', 'reel_torrent_received_bytes_total', 'reel_torrent_verified_pieces', 'reel_torrent_hash_failures_total']) {
    t.ok(types.has(name), `${name} is exposed`)
  }
  t.equal(types.get('reel_downloaded_bytes_total'), 'counter')
  t.equal(types.get('reel_peers'), 'gauge')
  t.match(res.body, /^reel_peers 6$/m)
  t.match(res.body, /^reel_received_bytes_total\{source="peer"\} 6144$/m)
  t.match(res.body, /^reel_received_bytes_total\{source="webseed"\} 2048$/m)
  t.match(res.body, new RegExp(`^reel_torrent_verified_pieces\\{infoHash="${film.infoHash}"\\} 10$`, 'm'))
  t.match(res.body, new RegExp(`^reel_torrent_received_bytes_total\\{infoHash="${film.infoHash}",source="webseed"\\} 1024$`, 'm'))
})

t.test('the metrics writer escapes label values and help text', async t => {
  const text = renderMetrics([{
    name: 'x_total',
    type: 'counter',
    help: 'back\\slash and\nnewline',
    samples: [{ labels: { path: 'a "quoted"\\path\n' }, value: 1 }, { value: NaN }, { value: Infinity }, { value: 0.25 }]
  }])
  t.equal(text, '# HELP x_total back\\\\slash and\\nnewline\n# TYPE x_total counter\nx_total{path="a \\"quoted\\"\\\\path\\n"} 1\nx_total NaN\nx_total +Inf\nx_total 0.25\n')
  checkExposition(t, text)
  t.throws(() => renderMetrics([{ name: 'bad-name', type: 'gauge', help: '', samples: [] }]), RangeError)
})
