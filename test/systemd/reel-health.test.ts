import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// systemd/reel-health against a real HTTP server on 127.0.0.1, with `systemctl` and `rauc`
// replaced by stubs on PATH: the slot is marked good only after a streak of healthy answers.

const SCRIPT = fileURLToPath(new URL('../../systemd/reel-health', import.meta.url))

interface Run { code: number | null, output: string, markedGood: boolean }

async function runHealth (init: { port: number, unitState: string, timeout: number, stable: number }): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'reel-health-'))
  try {
    const marker = join(dir, 'mark-good')
    writeFileSync(join(dir, 'systemctl'), `#!/bin/sh\necho ${init.unitState}\n`)
    writeFileSync(join(dir, 'rauc'), `#!/bin/sh\n[ "$1 $2" = "status mark-good" ] && echo "$@" > ${marker}\n`)
    chmodSync(join(dir, 'systemctl'), 0o755)
    chmodSync(join(dir, 'rauc'), 0o755)
    const child = spawn('bash', [SCRIPT], {
      env: {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
        REEL_HEALTH_URL_PORT: String(init.port),
        REEL_HEALTH_TIMEOUT: String(init.timeout),
        REEL_HEALTH_STABLE: String(init.stable),
        REEL_HEALTH_INTERVAL: '0.2'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => { output += s })
    child.stderr.setEncoding('utf8').on('data', (s: string) => { output += s })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    return { code, output, markedGood: existsSync(marker) && readFileSync(marker, 'utf8').startsWith('status mark-good') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function serve (status: () => number): Promise<{ server: Server, port: number, hits: () => number }> {
  let hits = 0
  const server = createServer((req, res) => {
    hits++
    res.writeHead(req.url === '/healthz' ? status() : 404, { 'content-type': 'application/json' })
    res.end('{}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits }
}

t.test('marks the slot good after a streak of 200s from /healthz', async t => {
  const http = await serve(() => 200)
  t.teardown(() => { http.server.close() })
  const run = await runHealth({ port: http.port, unitState: 'active', timeout: 20, stable: 3 })
  t.equal(run.code, 0, run.output)
  t.equal(run.markedGood, true)
  t.ok(http.hits() >= 3)
  t.match(run.output, /marking the booted slot good/)
})

t.test('a daemon that answers 503 never gets its slot marked good', async t => {
  const http = await serve(() => 503)
  t.teardown(() => { http.server.close() })
  const run = await runHealth({ port: http.port, unitState: 'active', timeout: 2, stable: 2 })
  t.equal(run.code, 1)
  t.equal(run.markedGood, false)
  t.match(run.output, /slot NOT marked good/)
})

t.test('a healthy answer that does not last is not enough', async t => {
  let n = 0
  // Healthy once, then failing: a daemon crash-looping under Restart=.
  const http = await serve(() => (++n % 3 === 1 ? 200 : 500))
  t.teardown(() => { http.server.close() })
  const run = await runHealth({ port: http.port, unitState: 'active', timeout: 3, stable: 2 })
  t.equal(run.code, 1)
  t.equal(run.markedGood, false)
})

t.test('nothing listening, or reel.service not active, is not healthy', async t => {
  const http = await serve(() => 200)
  const port = http.port
  t.teardown(() => { http.server.close() })
  const inactive = await runHealth({ port, unitState: 'activating', timeout: 2, stable: 1 })
  t.equal(inactive.markedGood, false, 'unit not active')
  http.server.close()
  const closed = await runHealth({ port, unitState: 'active', timeout: 2, stable: 1 })
  t.equal(closed.markedGood, false, 'no listener')
  t.equal(closed.code, 1)
})
