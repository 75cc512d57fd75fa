#!/usr/bin/env node
// A webtorrent 2.x peer for Reel's tests and benches, run as its own process so
// that webtorrent's module graph never loads into a test. Same line protocol as
// lt_peer.py: one JSON object per line on stdout (listening, added, ready,
// finished, progress, peer, hash_failed, warning, error, exit). It listens on
// 127.0.0.1 only; DHT, LSD, UPnP, NAT-PMP, uTP and PEX are off; the only
// trackers are those of the torrent. It exits on SIGTERM, SIGINT or stdin close.
// Lines on stdin are commands: `connect HOST:PORT`.
import { readFileSync, mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { emit, fail, startLoopbackClient, stopper } from './wt_process.mjs'

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

if ((a.torrent === undefined) === (a.magnet === undefined)) fail('need exactly one of --torrent and --magnet')
if (a.save === undefined) fail('need --save')
if (a.mode !== 'seed' && a.mode !== 'leech') fail('--mode is seed or leech')
mkdirSync(a.save, { recursive: true })

const limit = v => (Number(v) > 0 ? Number(v) : -1)
const client = await startLoopbackClient({
  webSeeds: a['web-seeds'],
  torrentPort: Number(a['listen-port']),
  uploadLimit: limit(a['upload-limit']),
  downloadLimit: limit(a['download-limit'])
})

let torrent
let timer
const stop = stopper(client, {
  ignoreStdin: a['ignore-stdin'],
  beforeDestroy: () => clearInterval(timer),
  onLine: line => {
    const [cmd, arg] = line.split(/\s+/)
    if (cmd === 'connect' && arg) {
      if (torrent && !torrent.destroyed) torrent.addPeer(arg)
    } else {
      emit('error', { message: `unknown command: ${cmd}` })
    }
  }
})
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

timer = setInterval(() => {
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
