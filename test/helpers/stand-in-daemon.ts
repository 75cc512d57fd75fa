/**
 * A stand-in for `reel daemon` that honours just enough of the CLI and HTTP
 * contracts to test the Reel helper without Reel: the listening log line,
 * /healthz, POST /api/torrents and GET /api/torrents/:infoHash (progress
 * reaches 1 on the third poll). It spawns a long `sleep`, as the daemon spawns
 * ffmpeg, so the test can check the whole process group goes on stop.
 * Importing a sibling TypeScript module by its `.js` name proves the TS hook
 * and NodeNext resolution work in the child.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { importUntyped, type ParseTorrentModule } from './untyped.js'

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    'data-dir': { type: 'string' }, port: { type: 'string' }, 'torrent-port': { type: 'string' },
    'no-dht': { type: 'boolean' }, 'no-lsd': { type: 'boolean' }, 'no-upnp': { type: 'boolean' }, 'stun-servers': { type: 'string' },
  },
})
if (process.argv[2] !== 'daemon' || !values['no-dht'] || !values['no-lsd'] || !values['no-upnp']) {
  console.error('usage: daemon --data-dir D --port N --torrent-port N --no-dht --no-lsd --no-upnp')
  process.exit(2)
}
const parseTorrent = await importUntyped<ParseTorrentModule>('parse-torrent')
const polls = new Map<string, number>()
const ffmpeg = spawn('sleep', ['300'], { stdio: 'ignore' })

const server = createServer((req, res) => {
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
    const get = /^\/api\/torrents\/([0-9a-f]{40})$/.exec(req.url ?? '')
    if (req.url === '/healthz') return send(200, { ok: true })
    if (req.method === 'POST' && req.url === '/api/torrents') {
      parseTorrent.default(Buffer.concat(chunks)).then(p => {
        polls.set(p.infoHash, 0)
        send(201, { infoHash: p.infoHash, name: p.name, files: p.files.map((f, index) => ({ index, path: f.path, length: f.length })) })
      }, (err: Error) => send(400, { error: err.message }))
      return
    }
    if (req.method === 'GET' && get?.[1] !== undefined && polls.has(get[1])) {
      const n = (polls.get(get[1]) ?? 0) + 1
      polls.set(get[1], n)
      return send(200, { infoHash: get[1], progress: Math.min(1, n / 3) })
    }
    send(404, { error: 'not found' })
  })
})
server.listen(Number(values.port ?? 0), '127.0.0.1', () => {
  const addr = server.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0
  console.log(JSON.stringify({ level: 30, msg: 'starting' }))
  console.log(JSON.stringify({ level: 30, msg: 'listening', url: `http://127.0.0.1:${port}`, torrentPort: 6881, ffmpegPid: ffmpeg.pid }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
