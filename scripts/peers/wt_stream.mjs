#!/usr/bin/env node
// webtorrent 2.x as a streaming client for the bench, in its own process. It
// streams through webtorrent's own HTTP server (`client.createServer()`, Range
// requests served by `file[Symbol.asyncIterator]`, which selects the range as a
// stream selection and marks the next pieces critical while it waits), so the
// bench drives it exactly as it drives Reel's /stream. A small control server
// beside it takes `POST /api/torrents` (raw .torrent; answers once the torrent
// is ready, with `streamUrl` for file 0) and `GET /api/torrents/:infoHash`.
// Prints JSON lines like wt_peer.mjs: listening {url, streamBase, port}, added,
// error, exit. Loopback only: DHT, LSD, UPnP, NAT-PMP, uTP and PEX are off; web
// seeds from the torrent's url-list are used (webtorrent's default) unless
// --no-web-seeds. Exits on SIGTERM, SIGINT or when stdin closes.
import http from 'node:http'
import { mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { emit, fail, startLoopbackClient, stopper } from './wt_process.mjs'

const { values: a } = parseArgs({
  options: {
    save: { type: 'string' },
    'no-web-seeds': { type: 'boolean', default: false },
    strategy: { type: 'string', default: 'sequential' },
    'ignore-stdin': { type: 'boolean', default: false }
  }
})

if (a.save === undefined) fail('need --save')
mkdirSync(a.save, { recursive: true })

const client = await startLoopbackClient({ webSeeds: !a['no-web-seeds'] })

const streamServer = client.createServer()
await new Promise((resolve, reject) => {
  streamServer.server.once('error', reject)
  streamServer.listen(0, '127.0.0.1', resolve)
})
const streamBase = `http://127.0.0.1:${streamServer.address().port}${streamServer.pathname}`

const json = (res, status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

function addTorrent (body) {
  return new Promise((resolve, reject) => {
    const torrent = client.add(body, { path: a.save, strategy: a.strategy, destroyStoreOnDestroy: false })
    torrent.once('error', reject)
    torrent.on('warning', err => emit('warning', { message: String(err?.message ?? err) }))
    if (torrent.ready) resolve(torrent)
    else torrent.once('ready', () => resolve(torrent))
  })
}

const describe = t => ({
  infoHash: t.infoHash,
  name: t.name,
  files: t.files.map((f, index) => ({ index, path: f.path, length: f.length })),
  streamUrl: `${streamBase}/${t.infoHash}/${encodeURI(t.files[0]?.path ?? '')}`
})

const control = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://x')
    if (req.method === 'POST' && url.pathname === '/api/torrents') {
      const chunks = []
      for await (const c of req) chunks.push(c)
      const torrent = await addTorrent(Buffer.concat(chunks))
      emit('added', { infoHash: torrent.infoHash, name: torrent.name })
      return json(res, 201, describe(torrent))
    }
    const get = /^\/api\/torrents\/([0-9a-f]{40})$/.exec(url.pathname)
    if (req.method === 'GET' && get) {
      const t = await client.get(get[1])
      if (!t) return json(res, 404, { error: 'unknown torrent' })
      return json(res, 200, {
        ...describe(t),
        progress: t.progress,
        downloaded: t.downloaded,
        peers: t.numPeers,
        downloadRate: Math.round(t.downloadSpeed)
      })
    }
    json(res, 404, { error: 'not found' })
  } catch (err) {
    json(res, 400, { error: String(err?.message ?? err) })
  }
})
control.listen(0, '127.0.0.1', () => {
  emit('listening', { url: `http://127.0.0.1:${control.address().port}`, streamBase, port: client.torrentPort })
})

stopper(client, {
  ignoreStdin: a['ignore-stdin'],
  beforeDestroy: () => {
    control.close()
    streamServer.destroy()
  }
})
