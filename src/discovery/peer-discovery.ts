/**
 * Finds peers for one torrent: HTTP/UDP/WebSocket trackers, the DHT and LSD through
 * torrent-discovery. PEX peers arrive over the wire (src/wire) and join the same stream.
 * Emits "host:port" strings; never touches pieces.
 */
import { EventEmitter } from 'node:events'
import Discovery from 'torrent-discovery'
import type { Logger } from '../log.js'

export type PeerSource = 'tracker' | 'dht' | 'lsd' | 'pex' | 'magnet' | 'manual'

export interface AnnounceStats { uploaded: number, downloaded: number, left: number }

export interface PeerDiscoveryInit {
  infoHash: string
  peerId: string
  port: number
  announce: string[]
  /** A shared bittorrent-dht client, or false for none. */
  dht: unknown
  lsd: boolean
  log: Logger
  announceStats: () => AnnounceStats
}

export interface PeerDiscoveryEvents {
  peer: [address: string, source: PeerSource]
}

export class PeerDiscovery extends EventEmitter<PeerDiscoveryEvents> {
  private discovery: Discovery | undefined
  private readonly log: Logger

  constructor (private readonly init: PeerDiscoveryInit) {
    super()
    this.log = init.log
  }

  start (): void {
    const { init } = this
    this.discovery = new Discovery({
      infoHash: init.infoHash,
      peerId: init.peerId,
      port: init.port,
      announce: init.announce,
      dht: init.dht === false ? false : init.dht,
      lsd: init.lsd,
      tracker: { getAnnounceOpts: init.announceStats },
      intervalMs: 60_000
    })
    this.discovery.on('peer', (peer: unknown, source: PeerSource) => {
      // Trackers may hand over WebRTC peer objects (WebSocket trackers); TCP wants "host:port".
      if (typeof peer === 'string') this.emit('peer', peer, source)
    })
    this.discovery.on('warning', (err: Error) => this.log.debug({ err: err.message }, 'discovery warning'))
    this.discovery.on('error', (err: Error) => this.log.warn({ err: err.message }, 'discovery error'))
  }

  /** Tells trackers the download finished. */
  complete (): void {
    this.discovery?.complete()
  }

  async stop (): Promise<void> {
    const discovery = this.discovery
    this.discovery = undefined
    if (discovery === undefined) return
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, 2000)
      discovery.destroy(() => { clearTimeout(timer); resolve() })
    })
  }
}
