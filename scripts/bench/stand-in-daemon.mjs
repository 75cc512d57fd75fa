#!/usr/bin/env node
// A stand-in for `reel daemon` built on webtorrent, honouring the slice of the
// CLI and HTTP contracts the bench uses (listening log line, POST/GET
// /api/torrents, GET /stream with Range). It exists only to check the bench's
// Reel code paths before the daemon does:
//   node dist/scripts/bench/main.js --quick --daemon-entry scripts/bench/stand-in-daemon.mjs
// Its numbers are webtorrent's, not Reel's. Loopback only, no DHT/LSD/UPnP/PMP.
import http from 'node:http'
import net from 'node:net'
import { parseArgs } from 'node:util'

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string', default: '0' },
    'torrent-port': { type: 'string', default: '0' },
    'no-dht': { type: 'boolean' },
    'no-lsd': { type: 'boolean' },
    'no-upnp': { type: 'boolean' }
  }
})
if (positionals[0] !== 'daemon' || !a['data-dir']) {
  console.error('usage: stand-in-daemon.mjs daemon --data-dir DIR [--port N] [--torrent-port N]')
  process.exit(2)
}
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) args.splice(1, 0, '127.0.0.1')
  return listen.apply(this, args)
}
const { default: WebTorrent } = await import('webtorrent')
const client = new WebTorrent({
  dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, utp: false, webSeeds: false,
  torrentPort: Number(a['torrent-port'])
})
await new Promise(resolve => (client.listening ? resolve() : client.once('listening', resolve)))

const log = (msg, fields = {}) => process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), app: 'reel-stand-in', msg, ...fields }) + '\n')
const json = (res, status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

function addTorrent (body) {
  return new Promise((resolve, reject) => {
    let torrent
    try {
      torrent = client.add(body, { path: a['data-dir'] })
    } catch (err) {
      reject(err)
      return
    }
    torrent.once('error', reject)
    const onReady = () => resolve(torrent)
    if (torrent.ready) onReady()
    else torrent.once('ready', onReady)
  })
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://x')
    if (url.pathname === '/healthz') return json(res, 200, { ok: true })
    if (req.method === 'POST' && url.pathname === '/api/torrents') {
      const chunks = []
      for await (const c of req) chunks.push(c)
      const torrent = await addTorrent(Buffer.concat(chunks))
      return json(res, 201, {
        infoHash: torrent.infoHash,
        name: torrent.name,
        files: torrent.files.map((f, index) => ({ index, path: f.path, length: f.length }))
      })
    }
    const get = /^\/api\/torrents\/([0-9a-f]{40})$/.exec(url.pathname)
    if (req.method === 'GET' && get) {
      const t = await client.get(get[1])
      if (!t) return json(res, 404, { error: 'unknown torrent' })
      return json(res, 200, { infoHash: t.infoHash, progress: t.done ? 1 : t.progress, peers: t.numPeers, downloadRate: t.downloadSpeed })
    }
    const stream = /^\/stream\/([0-9a-f]{40})\/(\d+)$/.exec(url.pathname)
    if (req.method === 'GET' && stream) {
      const t = await client.get(stream[1])
      const file = t?.files[Number(stream[2])]
      if (!file) return json(res, 404, { error: 'unknown file' })
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
      const start = range ? Number(range[1]) : 0
      const end = range && range[2] ? Math.min(Number(range[2]), file.length - 1) : file.length - 1
      if (start >= file.length) return res.writeHead(416, { 'content-range': `bytes */${file.length}` }).end()
      res.writeHead(range ? 206 : 200, {
        'accept-ranges': 'bytes',
        'content-length': end - start + 1,
        ...(range ? { 'content-range': `bytes ${start}-${end}/${file.length}` } : {})
      })
      const body = file.createReadStream({ start, end })
      res.on('close', () => body.destroy())
      return body.pipe(res)
    }
    json(res, 404, { error: 'not found' })
  } catch (err) {
    json(res, 400, { error: String(err?.message ?? err) })
  }
})
server.listen(Number(a.port), '127.0.0.1', () => {
  log('listening', { url: `http://127.0.0.1:${server.address().port}`, torrentPort: client.torrentPort })
})
const stop = () => client.destroy(() => server.close(() => process.exit(0)))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
