import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { createEngine } from '../../src/engine/index.js'
import { silentLogger } from '../../src/log.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

/** The real engine, or why this test must wait for it. */
function engineMissing (): string | false {
  try {
    createEngine({
      dataDir: join(tmpdir(), 'reel-probe'), torrentPort: 0, torrentHost: '127.0.0.1', dht: false, lsd: false, upnp: false,
      maxConnections: 1, maxConnectionsPerTorrent: 1, uploadRateLimit: 0, downloadRateLimit: 0, log: silentLogger()
    })
    return false
  } catch (err) {
    if (/engine not yet written/.test((err as Error).message)) return 'the engine is not written yet'
    throw err
  }
}

t.test('reel daemon logs one listening line with its real URL, serves, and stops on SIGTERM', { skip: engineMissing(), timeout: 60_000 }, async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'reel-daemon-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })
  // Run the TypeScript source with the loader tap itself uses.
  const loader = process.execArgv.filter(arg => arg.includes('@tapjs/typescript'))
  const child = spawn(process.execPath, [...loader, MAIN, 'daemon', '--port', '0', '--torrent-port', '0', '--data-dir', dataDir, '--no-dht', '--no-lsd', '--no-upnp'], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const lines: Array<Record<string, unknown>> = []
  let pending = ''
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = JSON.parse(pending.slice(0, nl)) as Record<string, unknown>
        pending = pending.slice(nl + 1)
        lines.push(line)
        if (line.msg === 'listening') resolve(line)
      }
    })
    void exited.then(code => reject(new Error(`reel daemon exited with ${String(code)} before listening: ${stderr}`)))
  })
  const ready = await listening
  t.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.not(ready.url, 'http://127.0.0.1:0', 'the URL shows the real port')
  t.type(ready.torrentPort, 'number')
  t.not(ready.torrentPort, 0)

  const health = await fetch(`${String(ready.url)}/healthz`)
  t.equal(health.status, 200)
  t.same(await health.json(), { status: 'ok' })
  t.same(await (await fetch(`${String(ready.url)}/api/torrents`)).json(), [])

  child.kill('SIGTERM')
  t.equal(await exited, 0, 'a clean exit on SIGTERM')
  t.equal(lines.filter(line => line.msg === 'listening').length, 1, 'exactly one listening line')
  t.ok(lines.some(line => line.msg === 'stopped'))
})
