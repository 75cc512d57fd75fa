/**
 * The peers of one torrent: which addresses to dial (from discovery, PEX, magnet links),
 * WebRTC peers signalled by WebSocket trackers, connection limits, handshake checks (right
 * torrent, not ourselves, not banned, not twice over any transport), periodic request
 * timeouts, and tit-for-tat choking with an optimistic slot.
 */
import { connect } from 'node:net'
import type { Logger } from '../log.js'
import type { PeerSource } from '../discovery/index.js'
import { PeerConnection } from '../wire/index.js'
import { connectWebRtcPeer, type SignalledPeer } from '../wire/webrtc-peer.js'
import { decideChokes, type ChokeState } from './choker.js'
import { PeerSession } from './peer-session.js'
import type { TorrentSession } from './torrent-session.js'

const CONNECT_TIMEOUT_MS = 10_000
const CHOKE_INTERVAL_MS = 10_000
const OPTIMISTIC_PERIOD_MS = 30_000
const RETRY_BASE_MS = 5_000
const MAX_RETRIES = 6

/** Open connections over all torrents, shared by every swarm of the daemon. */
export interface ConnectionBudget { open: number, readonly max: number }

export interface PeerSwarmInit {
  session: TorrentSession
  ourPeerId: Uint8Array
  /** Addresses that are us ("host:port"), never dialled. */
  isSelf: (address: string) => boolean
  budget: ConnectionBudget
  maxPeers: number
  uploadSlots: number
  log: Logger
  now: () => number
  random: () => number
  /** Dial "host:port" candidates over TCP. Default true; false when the engine runs WebRTC only. */
  tcp?: boolean
  /** Time a signalled WebRTC peer has to open its data channel; default in src/wire/webrtc-peer.ts. */
  webrtcConnectTimeoutMs?: number
  /** The seeding policy's say: asked before any peer is unchoked. Default: every peer may be. */
  mayUnchoke?: (peer: PeerSession) => boolean
}

interface Candidate { source: PeerSource, failures: number, nextAttemptAt: number, connecting: boolean }

export class PeerSwarm {
  private readonly candidates = new Map<string, Candidate>()
  private readonly pending = new Set<PeerConnection>()
  /** WebRTC peers whose data channel is not open yet; they hold a connection slot. */
  private readonly rtcConnecting = new Set<SignalledPeer>()
  private chokeState: ChokeState = { optimistic: undefined, optimisticSince: 0 }
  private lastChokeAt = 0
  private timer: NodeJS.Timeout | undefined
  private nextId = 0
  private stopped = false
  private readonly ourPeerIdHex: string

  constructor (private readonly init: PeerSwarmInit) {
    this.ourPeerIdHex = Buffer.from(init.ourPeerId).toString('hex')
    init.session.on('interestChanged', peer => this.onInterestChanged(peer))
    init.session.on('complete', () => this.dropSeeds())
  }

  private get session (): TorrentSession { return this.init.session }

  start (): void {
    this.timer = setInterval(() => this.tick(), 1000)
    this.timer.unref()
  }

  addCandidate (address: string, source: PeerSource): void {
    if (this.init.tcp === false) return
    if (this.stopped || this.candidates.has(address) || this.init.isSelf(address)) return
    if (this.session.banned.has(address) || !/^[^:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(address)) return
    this.candidates.set(address, { source, failures: 0, nextAttemptAt: 0, connecting: false })
    this.connectMore()
  }

  /** Peers this torrent has room for: trackers are asked for no more (and WebSocket trackers get no offers when full). */
  wantedPeers (): number {
    if (this.stopped) return 0
    return Math.max(0, Math.min(this.init.maxPeers - this.connectedOrPending(), this.init.budget.max - this.init.budget.open))
  }

  private connectedOrPending (): number { return this.session.peers.size + this.pending.size + this.rtcConnecting.size }

  private connectMore (): void {
    const now = this.init.now()
    for (const [address, candidate] of this.candidates) {
      if (this.connectedOrPending() >= this.init.maxPeers || this.init.budget.open >= this.init.budget.max) return
      if (candidate.connecting || candidate.nextAttemptAt > now || this.isConnectedTo(address)) continue
      if (this.session.state === 'seeding' && candidate.source !== 'manual') continue
      this.dial(address, candidate)
    }
  }

  private isConnectedTo (address: string): boolean {
    for (const peer of this.session.peers.values()) if (peer.address === address) return true
    for (const conn of this.pending) if (conn.address === address) return true
    return false
  }

  private dial (address: string, candidate: Candidate): void {
    const separator = address.lastIndexOf(':')
    const host = address.slice(0, separator).replace(/^\[|\]$/g, '')
    const port = Number(address.slice(separator + 1))
    candidate.connecting = true
    const socket = connect({ host, port })
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timed out')))
    socket.once('connect', () => socket.setTimeout(0))
    const conn = new PeerConnection({ socket, direction: 'outgoing', address, ourPeerId: this.init.ourPeerId, now: this.init.now })
    this.track(conn, candidate)
    conn.sendHandshake(this.session.infoHash, this.handshakeOptions())
  }

  /** An incoming connection whose handshake named this torrent. */
  acceptIncoming (conn: PeerConnection): void {
    if (this.stopped || this.connectedOrPending() >= this.init.maxPeers) {
      conn.close('too many peers for this torrent')
      return
    }
    this.track(conn, undefined)
    conn.sendHandshake(this.session.infoHash, this.handshakeOptions())
    if (conn.remote !== undefined) this.onHandshake(conn, undefined)
  }

  /**
   * A WebRTC peer a WebSocket tracker signalled (our offer answered, or a remote offer we
   * answer). It holds a slot while ICE runs; once its data channel opens it is handled like
   * an incoming TCP peer: both sides send their handshake at once, as WebTorrent does.
   */
  acceptWebRtc (peer: SignalledPeer): void {
    const known = peer.id !== undefined && [...this.session.peers.values()].some(p => p.peerId === peer.id)
    if (this.stopped || known || this.connectedOrPending() >= this.init.maxPeers || this.init.budget.open >= this.init.budget.max) {
      peer.destroy()
      return
    }
    this.rtcConnecting.add(peer)
    this.init.budget.open++
    const settle = (): void => {
      this.rtcConnecting.delete(peer)
      this.init.budget.open--
    }
    connectWebRtcPeer({
      peer,
      ourPeerId: this.init.ourPeerId,
      now: this.init.now,
      ...(this.init.webrtcConnectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.init.webrtcConnectTimeoutMs })
    }).then(conn => {
      settle()
      if (this.stopped) { conn.close('torrent stopped'); return }
      webrtcConns.add(conn)
      this.track(conn, undefined)
      conn.sendHandshake(this.session.infoHash, this.handshakeOptions())
    }, (err: Error) => {
      settle()
      this.init.log.debug({ err: err.message, infoHash: this.session.infoHash }, 'WebRTC peer did not connect')
    })
  }

  private handshakeOptions (): { metadata?: Uint8Array, fetchMetadata: boolean } {
    const metadata = this.session.metainfo?.infoBuffer
    return metadata === undefined ? { fetchMetadata: true } : { metadata, fetchMetadata: false }
  }

  private track (conn: PeerConnection, candidate: Candidate | undefined): void {
    this.pending.add(conn)
    this.init.budget.open++
    conn.once('handshake', () => this.onHandshake(conn, candidate))
    conn.on('protocolError', reason => this.init.log.info({ peer: conn.address, reason }, 'peer broke the protocol; dropped'))
    conn.on('pexPeer', address => this.addCandidate(address, 'pex'))
    conn.on('metadata', torrent => this.onMetadata(torrent))
    conn.once('closed', reason => {
      this.init.budget.open--
      this.pending.delete(conn)
      if (candidate !== undefined) {
        candidate.connecting = false
        if (!this.session.peers.has(sessionIdOf(conn))) {
          candidate.failures++
          candidate.nextAttemptAt = this.init.now() + RETRY_BASE_MS * 2 ** Math.min(candidate.failures, 6)
          if (candidate.failures > MAX_RETRIES) this.candidates.delete(conn.address)
        }
      }
      const id = sessionIdOf(conn)
      const session = this.session.peers.get(id)
      if (session !== undefined) {
        this.session.peers.delete(id)
        session.close()
        this.init.log.debug({ peer: conn.address, reason }, 'peer disconnected')
        for (const other of this.session.peers.values()) other.conn.forgetPeer(conn.address)
      }
      if (!this.stopped) this.connectMore()
    })
  }

  private onHandshake (conn: PeerConnection, candidate: Candidate | undefined): void {
    if (!this.pending.has(conn) || conn.remote === undefined) return
    const remote = conn.remote
    const reason = remote.infoHash !== this.session.infoHash
      ? 'handshake for another torrent'
      : remote.peerId === this.ourPeerIdHex
        ? 'connected to ourselves'
        : this.session.banned.has(remote.peerId) || this.session.banned.has(conn.address)
          ? 'peer is banned'
          : [...this.session.peers.values()].some(peer => peer.peerId === remote.peerId)
              ? 'already connected to this peer'
              : undefined
    if (reason !== undefined) {
      if (reason === 'connected to ourselves' && candidate !== undefined) this.candidates.delete(conn.address)
      conn.close(reason)
      return
    }
    this.pending.delete(conn)
    const id = `p${this.nextId++}`
    idOf.set(conn, id)
    const peer = new PeerSession(id, conn, this.session, this.init.now)
    this.session.peers.set(id, peer)
    if (candidate !== undefined) candidate.failures = 0
    peer.start()
    for (const other of this.session.peers.values()) {
      if (other === peer) continue
      other.conn.sharePeer(dialableAddress(conn))
      peer.conn.sharePeer(dialableAddress(other.conn))
    }
    this.init.log.debug({ peer: conn.address, direction: conn.direction, transport: webrtcConns.has(conn) ? 'webrtc' : 'tcp', infoHash: this.session.infoHash }, 'peer connected')
  }

  private onMetadata (torrent: Uint8Array): void {
    if (this.session.hasMetadata) return
    this.init.log.info({ infoHash: this.session.infoHash }, 'metadata received from a peer')
    this.onMetadataBytes?.(torrent)
  }

  /** Set by the engine: validates and installs metadata fetched over ut_metadata. */
  onMetadataBytes: ((torrent: Uint8Array) => void) | undefined

  private onInterestChanged (peer: PeerSession): void {
    const wire = peer.wire
    if (!wire.peerInterested) {
      if (!wire.amChoking) { wire.choke(); this.rechoke() }
      return
    }
    let unchoked = 0
    for (const other of this.session.peers.values()) if (!other.wire.amChoking) unchoked++
    if (wire.amChoking && unchoked < this.init.uploadSlots + 1 && this.mayUnchoke(peer)) wire.unchoke()
  }

  private mayUnchoke (peer: PeerSession): boolean {
    return this.init.mayUnchoke?.(peer) ?? true
  }

  private rechoke (): void {
    this.lastChokeAt = this.init.now()
    const peers = [...this.session.peers.values()]
    const decision = decideChokes(peers.map(peer => ({
      id: peer.id,
      interested: peer.wire.peerInterested,
      downloadRate: peer.conn.downloadRate.rate(),
      uploadRate: peer.conn.uploadRate.rate()
    })), this.chokeState, {
      slots: this.init.uploadSlots,
      seeding: this.session.state === 'seeding',
      now: this.init.now(),
      random: this.init.random,
      optimisticPeriodMs: OPTIMISTIC_PERIOD_MS
    })
    this.chokeState = decision.state
    for (const peer of peers) {
      if (decision.unchoke.has(peer.id) && this.mayUnchoke(peer)) peer.wire.unchoke()
      else peer.wire.choke()
    }
  }

  private dropSeeds (): void {
    for (const peer of this.session.peers.values()) {
      if (peer.isSeed) peer.conn.close('both sides are seeds')
    }
  }

  private tick (): void {
    for (const peer of this.session.peers.values()) peer.tick()
    if (this.init.now() - this.lastChokeAt >= CHOKE_INTERVAL_MS) this.rechoke()
    this.connectMore()
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.timer)
    for (const conn of [...this.pending]) conn.close('torrent stopped')
    for (const peer of [...this.rtcConnecting]) peer.destroy()
    for (const peer of [...this.session.peers.values()]) peer.conn.close('torrent stopped')
  }
}

const idOf = new WeakMap<PeerConnection, string>()
/** Connections over a WebRTC data channel (for logs; their addresses are never dialled). */
const webrtcConns = new WeakSet<PeerConnection>()
function sessionIdOf (conn: PeerConnection): string { return idOf.get(conn) ?? '' }

/** Outgoing connections are dialable at their address; incoming ones only via the port they announce. */
function dialableAddress (conn: PeerConnection): string {
  if (conn.direction === 'outgoing') return conn.address
  const listenPort = conn.wire.peerExtendedHandshake?.p
  if (typeof listenPort !== 'number') return ''
  return `${conn.address.slice(0, conn.address.lastIndexOf(':'))}:${listenPort}`
}
