/**
 * The demo's swarm on 127.0.0.1: a bittorrent-tracker server (HTTP and UDP, no WebSocket),
 * the clip's .torrent announcing only to it, and seeders running Reel's own engine, each with
 * its own data dir holding a copy of the clip. Nothing here talks beyond the loopback.
 */
import { once } from 'node:events'
import { copyFile, mkdir, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Server as TrackerServer } from 'bittorrent-tracker'
import createTorrent from 'create-torrent'
import parseTorrent from 'parse-torrent'
import { createEngine, type Engine } from '../engine/index.js'
import { AbortedError, InternalError } from '../errors.js'
import type { Logger } from '../log.js'

export interface LocalTracker {
  /** Announce URLs, one tier each: HTTP then UDP. */
  announce: string[]
  close: () => Promise<void>
}

/** Starts a tracker on 127.0.0.1 with an HTTP and a UDP (IPv4) endpoint on free ports. */
export async function startLocalTracker (log: Logger): Promise<LocalTracker> {
  const server = new TrackerServer({ http: true, udp: true, ws: false, stats: false, interval: 10_000 })
  // The server also binds UDP on ::1; a box without IPv6 fails that socket alone, which the demo does not need.
  server.on('error', (err: NodeJS.ErrnoException & { address?: string }) => {
    log.debug({ err }, 'tracker socket error')
  })
  server.on('warning', (err: Error) => { log.debug({ err }, 'tracker warning') })
  const http = server.http
  const udp = server.udp as import('node:dgram').Socket | undefined
  if (http === null || udp === undefined) throw new InternalError('bittorrent-tracker did not create its HTTP and UDP servers')
  const ready = Promise.all([once(http, 'listening'), once(udp, 'listening')])
  server.listen(0, { http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' })
  await ready
  const httpPort = (http.address() as AddressInfo).port
  const udpPort = udp.address().port
  const announce = [`http://127.0.0.1:${httpPort}/announce`, `udp://127.0.0.1:${udpPort}`]
  log.info({ announce }, 'tracker listening')
  return {
    announce,
    close: async () => { await new Promise<void>(resolve => { server.close(() => resolve()) }) }
  }
}

export interface DemoTorrent { torrentFile: Uint8Array, infoHash: string, name: string }

/**
 * A single-file torrent of the clip, announcing to `announce`, with the web seeds of `urlList`
 * (BEP 19: each URL names the file itself). Its info hash depends only on the clip.
 */
export async function createDemoTorrent (clipPath: string, name: string, announce: string[], urlList: string[] = []): Promise<DemoTorrent> {
  const torrentFile = await new Promise<Uint8Array>((resolve, reject) => {
    createTorrent(clipPath, {
      name,
      announceList: announce.map(url => [url]),
      urlList,
      pieceLength: 256 * 1024,
      private: false,
      createdBy: 'Reel demo',
      creationDate: new Date('2025-01-01T00:00:00Z'),
      comment: 'Reel demo clip'
    }, (err, torrent) => { if (err !== null) reject(err); else resolve(torrent) })
  })
  const parsed = await parseTorrent(torrentFile)
  return { torrentFile, infoHash: parsed.infoHash, name }
}

/** One file a seeder serves: its bytes on disk and its torrent. */
export interface SeededFile { clipPath: string, torrent: DemoTorrent }

export interface SeederInit {
  /** The seeder's data dir. */
  dir: string
  files: readonly SeededFile[]
  log: Logger
  signal?: AbortSignal
  /** How long to wait for the seeder to hold every piece; default 120 s. */
  readyTimeoutMs?: number
}

/**
 * Starts an engine that seeds the files: each is copied where the engine keeps a torrent's
 * files (`<dir>/data/<infoHash>/<name>`), each torrent is (re)added so it announces to this
 * run's tracker, and the call resolves once the engine has verified every piece of each.
 */
export async function startSeeder (init: SeederInit): Promise<Engine> {
  const { log } = init
  for (const { clipPath, torrent } of init.files) {
    const target = join(init.dir, 'data', torrent.infoHash, torrent.name)
    const [clip, copy] = await Promise.all([stat(clipPath), stat(target).catch(() => undefined)])
    if (copy?.size !== clip.size) {
      await mkdir(join(init.dir, 'data', torrent.infoHash), { recursive: true })
      await copyFile(clipPath, target)
    }
  }
  const engine = createEngine({
    dataDir: init.dir,
    torrentPort: 0,
    torrentHost: '127.0.0.1',
    dht: false,
    lsd: false,
    upnp: false,
    maxConnections: 50,
    maxConnectionsPerTorrent: 50,
    uploadRateLimit: 0,
    downloadRateLimit: 0,
    log
  })
  try {
    await engine.start()
    const deadline = Date.now() + (init.readyTimeoutMs ?? 120_000)
    for (const { torrent } of init.files) {
      // A torrent restored from an earlier run announces to that run's tracker: add it afresh.
      if (engine.get(torrent.infoHash) !== undefined) await engine.remove(torrent.infoHash, { keepData: true })
      const seeding = await engine.add({ torrentFile: torrent.torrentFile })
      while (seeding.stats().progress < 1) {
        if (init.signal?.aborted === true) throw new AbortedError('the demo was stopped')
        if (Date.now() > deadline) throw new InternalError(`the seeder in ${init.dir} did not verify its copy of ${torrent.name} in time`)
        await sleep(100)
      }
    }
    log.info({ torrents: init.files.map(f => f.torrent.infoHash), torrentPort: engine.torrentPort }, 'seeder ready')
    return engine
  } catch (err) {
    await engine.stop().catch(() => {})
    throw err
  }
}
