#!/usr/bin/env node
// A webtorrent 2.x peer for Reel's tests and benches, run as its own process so
// that webtorrent's module graph never loads into a test. Same line protocol as
// lt_peer.py: one JSON object per line on stdout (listening, added, ready,
// finished, progress, peer, hash_failed, warning, error, exit). It listens on
// 127.0.0.1 only; DHT, LSD, UPnP, NAT-PMP, uTP and PEX are off; the only
// trackers are those of the torrent. It exits on SIGTERM, SIGINT or stdin close.
// Lines on stdin are commands: `connect HOST:PORT`.
import net from 'node:net'
import { readFileSync, mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values: a } = parseArgs({
  options: {
    torrent: { type: 'string' },
    magnet: { type: 'string' },
    save: { type: 'string' },
    mode: { type: 'string', default: 'leech' },
    'listen-port': { type: 'string', default: '0' },
    'upload-limit': { type: 'string', default: '0' },
    'download-limit': { type: 'string', default: '0' },
    peer: { type: 'string', multiple: true, default: [] },
    'web-seeds': { type: 'boolean', default: false },
    strategy: { type: 'string', default: 'sequential' },
    interval: { type: 'string', default: '0.5' },
    'ignore-stdin': { type: 'boolean', default: false },
    'exit-on-finish': { type: 'boolean', default: false }
  }
})

function emit (event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n')
}

function fail (message) {
  emit('error', { message })
  process.exit(2)
}

if ((a.torrent === undefined) === (a.magnet === undefined)) fail('need exactly one of --torrent and --magnet')
if (a.save === undefined) fail('need --save')
if (a.mode !== 'seed' && a.mode !== 'leech') fail('--mode is seed or leech')
mkdirSync(a.save, { recursive: true })

// webtorrent's connection pool calls `tcpServer.listen(port, cb)`, which binds
// every interface. Pin servers that get no host to the loopback interface.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1')
  }
  return listen.apply(this, args)
}

const { default: WebTorrent } = await import('webtorrent')

const limit = v => (Number(v) > 0 ? Number(v) : -1)
const client = new WebTorrent({
  dht: false,
  lsd: false,
  utPex: false,
  natUpnp: false,
  natPmp: false,
  utp: false,
  webSeeds: a['web-seeds'],
  torrentPort: Number(a['listen-port']),
  uploadLimit: limit(a['upload-limit']),
  downloadLimit: limit(a['download-limit'])
})
client.on('error', err => fail(String(err?.message ?? err)))

let stopping = false
async function stop (code = 0) {
  if (stopping) return
  stopping = true
  clearInterval(timer)
  await new Promise(resolve => {
    const t = setTimeout(resolve, 3000)
    client.destroy(() => { clearTimeout(t); resolve() })
  })
  emit('exit', { code })
  process.exit(code)
}
process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))

let torrent
function connect (hostPort) {
  if (torrent && !torrent.destroyed) torrent.addPeer(hostPort)
}
if (!a['ignore-stdin']) {
  let pending = ''
  process.stdin.setEncoding('utf8')
  process.stdin.on('data', chunk => {
    pending += chunk
    let nl
    while ((nl = pending.indexOf('\n')) >= 0) {
      const [cmd, arg] = pending.slice(0, nl).trim().split(/\s+/)
      pending = pending.slice(nl + 1)
      if (cmd === 'connect' && arg) connect(arg)
      else if (cmd) emit('error', { message: `unknown command: ${cmd}` })
    }
  })
  process.stdin.on('end', () => stop(0))
  process.stdin.on('error', () => stop(0))
}

await new Promise(resolve => (client.listening ? resolve() : client.once('listening', resolve)))
emit('listening', { port: client.torrentPort })

const source = a.torrent !== undefined ? readFileSync(a.torrent) : a.magnet
torrent = client.add(source, { path: a.save, strategy: a.strategy, destroyStoreOnDestroy: false })
let hashFails = 0
let finished = false
const onFinished = () => {
  if (finished) return
  finished = true
  emit('finished')
  if (a['exit-on-finish']) stop(0)
}
let added = false
const onInfoHash = () => {
  if (added) return
  added = true
  emit('added', { infoHash: torrent.infoHash, name: torrent.name ?? null })
}
torrent.on('infoHash', onInfoHash)
if (torrent.infoHash) onInfoHash()
torrent.on('metadata', () => emit('metadata', { name: torrent.name }))
torrent.on('ready', () => {
  emit('ready', { progress: torrent.progress })
  for (const p of a.peer) torrent.addPeer(p)
  if (torrent.done) onFinished()
})
torrent.on('done', onFinished)
torrent.on('wire', (wire, addr) => {
  emit('peer', { action: 'connect', address: addr ?? wire.remoteAddress ?? null })
  wire.once('close', () => emit('peer', { action: 'disconnect', address: addr ?? null }))
})
torrent.on('warning', err => {
  const message = String(err?.message ?? err)
  const m = /^Piece (\d+) failed verification/.exec(message)
  if (m) {
    hashFails++
    emit('hash_failed', { piece: Number(m[1]) })
  } else {
    emit('warning', { message })
  }
})
torrent.on('error', err => fail(String(err?.message ?? err)))

const timer = setInterval(() => {
  if (!torrent || torrent.destroyed) return
  emit('progress', {
    progress: Math.round(torrent.progress * 1e6) / 1e6,
    peers: torrent.numPeers,
    downloadRate: Math.round(torrent.downloadSpeed),
    uploadRate: Math.round(torrent.uploadSpeed),
    downloaded: torrent.downloaded,
    uploaded: torrent.uploaded,
    hashFails
  })
}, Math.max(50, Number(a.interval) * 1000))
