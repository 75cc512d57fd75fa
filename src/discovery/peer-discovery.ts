/**
 * Finds peers for one torrent: HTTP/UDP/WebSocket trackers, the DHT and LSD through
 * torrent-discovery. PEX peers arrive over the wire (src/wire) and join the same stream.
 * Emits "host:port" strings for TCP, and WebRTC peers that WebSocket trackers signalled
 * (still connecting); never touches pieces. A WebRTC peer nobody takes is destroyed.
 */
import { EventEmitter } from 'node:events'
import Discovery from 'torrent-discovery'
import type { Logger } from '../log.js'
import { releaseAnswerOnGatheringComplete, type SignalledPeer } from '../wire/webrtc-peer.js'

/** What bittorrent-tracker asks for by default. */
const MAX_NUMWANT = 50

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
  /** Peers the torrent has room for; announces ask for at most this many (WebSocket trackers: at most 5 offers). */
  wantedPeers?: () => number
  /** Whether peers are reached over TCP; without it only WebSocket trackers are asked (no HTTP/UDP trackers, DHT, LSD). Default true. */
  tcp?: boolean
  /**
   * RTCConfiguration for WebRTC peers from WebSocket trackers (see rtcConfiguration in
   * src/wire); false skips WebSocket trackers altogether. Default false.
   */
  webrtc?: Record<string, unknown> | false
}

export interface PeerDiscoveryEvents {
  peer: [address: string, source: PeerSource]
  webrtcPeer: [peer: SignalledPeer]
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
    const tcp = init.tcp ?? true
    const webrtc = init.webrtc ?? false
    // bittorrent-tracker skips ws:// trackers when `wrtc` is false; otherwise its WebSocket
    // trackers create peers (simple-peer over webrtc-polyfill) with `rtcConfig`.
    // Each WebRTC offer is a peer connection gathering ICE candidates: make none when full.
    const getAnnounceOpts = (): AnnounceStats & { numwant?: number } => {
      const stats = init.announceStats()
      return init.wantedPeers === undefined ? stats : { ...stats, numwant: Math.min(MAX_NUMWANT, init.wantedPeers()) }
    }
    const tracker = webrtc === false
      ? { getAnnounceOpts, wrtc: false }
      : { getAnnounceOpts, rtcConfig: webrtc }
    this.discovery = new Discovery({
      infoHash: init.infoHash,
      peerId: init.peerId,
      // torrent-discovery insists on a port; without TCP nothing that would publish it runs.
      port: tcp ? init.port : 1,
      announce: tcp ? init.announce : init.announce.filter(url => /^wss?:\/\//i.test(url)),
      dht: !tcp || init.dht === false ? false : init.dht,
      lsd: tcp && init.lsd,
      tracker,
      intervalMs: 60_000
    })
    this.discovery.on('peer', (peer: unknown, source: PeerSource) => {
      if (typeof peer === 'string') {
        if (tcp) this.emit('peer', peer, source)
        return
      }
      // A WebRTC peer from a WebSocket tracker, with its ICE still running.
      const rtcPeer = peer as SignalledPeer
      if (webrtc === false || this.listenerCount('webrtcPeer') === 0) {
        rtcPeer.destroy()
        return
      }
      // Handed over synchronously before it answers a remote offer: release that answer early.
      if (!rtcPeer.initiator) releaseAnswerOnGatheringComplete(rtcPeer)
      this.emit('webrtcPeer', rtcPeer)
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
