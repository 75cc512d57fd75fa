/**
 * One peer connection: a GuardedWire over a socket, the BitTorrent handshake, the
 * ut_metadata and ut_pex extensions, payload rate measurement, keep-alives, and the size
 * of the request pipeline the peer's measured rate deserves. It decides nothing about
 * which blocks to request: the engine does, through `request`.
 */
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import utMetadata from 'ut_metadata'
import utPex from 'ut_pex'
import { GuardedWire } from './guarded-wire.js'
import { RateMeter } from './rate-meter.js'

export const BLOCK_LENGTH = 16 * 1024
/** Seconds of transfer the pipeline should cover, so a fast peer never waits on our next request. */
const PIPELINE_SECONDS = 1
const MIN_PIPELINE = 4
const MAX_PIPELINE = 160
const HANDSHAKE_TIMEOUT_MS = 15_000

export interface Handshake { infoHash: string, peerId: string, extended: boolean, fast: boolean }

export interface PeerConnectionInit {
  socket: Duplex
  direction: 'incoming' | 'outgoing'
  /** "host:port" as dialled, or the remote address of an incoming socket. */
  address: string
  ourPeerId: Uint8Array
  now?: () => number
}

export interface PeerConnectionEvents {
  handshake: [Handshake]
  closed: [reason: string]
  protocolError: [reason: string]
  metadata: [infoBytes: Uint8Array]
  pexPeer: [address: string]
}

export class PeerConnection extends EventEmitter<PeerConnectionEvents> {
  readonly wire = new GuardedWire()
  readonly address: string
  readonly direction: 'incoming' | 'outgoing'
  readonly downloadRate: RateMeter
  readonly uploadRate: RateMeter
  remote: Handshake | undefined
  closed = false
  private readonly socket: Duplex
  private readonly ourPeerId: Uint8Array
  private handshakeTimer: NodeJS.Timeout | undefined
  private handshakeSent = false

  constructor (init: PeerConnectionInit) {
    super()
    const now = init.now ?? Date.now
    this.socket = init.socket
    this.address = init.address
    this.direction = init.direction
    this.ourPeerId = init.ourPeerId
    this.downloadRate = new RateMeter(now)
    this.uploadRate = new RateMeter(now)
    this.wire.on('download', (bytes: number) => this.downloadRate.add(bytes))
    this.wire.on('upload', (bytes: number) => this.uploadRate.add(bytes))
    this.wire.on('protocolError', (reason: string) => this.emit('protocolError', reason))
    this.wire.on('handshake', (infoHash: string, peerId: string, extensions: Record<string, boolean>) => {
      clearTimeout(this.handshakeTimer)
      this.remote = { infoHash, peerId, extended: extensions.extended === true, fast: extensions.fast === true }
      this.emit('handshake', this.remote)
    })
    this.wire.on('close', () => this.close('wire closed'))
    this.wire.on('finish', () => this.close('peer ended the connection'))
    this.wire.on('error', (err: Error) => this.close(`wire error: ${err.message}`))
    this.socket.on('error', (err: Error) => this.close(`socket error: ${err.message}`))
    this.socket.on('close', () => this.close('socket closed'))
    this.socket.on('end', () => this.close('peer closed the socket'))
    this.socket.pipe(this.wire).pipe(this.socket)
    this.wire.setKeepAlive(true)
    this.handshakeTimer = setTimeout(() => this.close('no handshake in time'), HANDSHAKE_TIMEOUT_MS)
    this.handshakeTimer.unref()
  }

  /**
   * Sends our handshake and enables extensions. `metadata` is the info dictionary when we
   * have it (served to magnet-link peers); without it, `fetchMetadata` asks the peer.
   */
  sendHandshake (infoHash: string, options: { metadata?: Uint8Array, fetchMetadata?: boolean }): void {
    if (this.handshakeSent || this.closed) return
    this.handshakeSent = true
    this.wire.use(utMetadata(options.metadata))
    this.wire.use(utPex())
    const metadataExtension = this.wire.ut_metadata
    metadataExtension.on('metadata', (torrent: Uint8Array) => this.emit('metadata', torrent))
    metadataExtension.on('warning', () => {})
    if (options.fetchMetadata === true) metadataExtension.fetch()
    const pex = this.wire.ut_pex
    pex.on('peer', (address: string) => this.emit('pexPeer', address))
    pex.on('warning', () => {})
    this.wire.on('extended', (name: string) => {
      if (name === 'handshake' && this.wire.peerExtendedHandshake.m?.ut_pex !== undefined) pex.start()
    })
    this.wire.handshake(infoHash, this.ourPeerId, { dht: false, fast: true })
  }

  /** Supplies metadata learnt later (magnet), so this peer may fetch it from us too. */
  setMetadata (metadata: Uint8Array): void {
    void this.wire.ut_metadata?.setMetadata(metadata)
  }

  /** Requests this peer should have outstanding to stay busy, from its measured rate. */
  pipelineSize (seconds = PIPELINE_SECONDS): number {
    const wanted = Math.ceil(this.downloadRate.rate() * seconds / BLOCK_LENGTH)
    return Math.max(MIN_PIPELINE, Math.min(MAX_PIPELINE, wanted))
  }

  /** Tells the peer about another peer we know (ut_pex). */
  sharePeer (address: string): void {
    if (this.wire.ut_pex !== undefined && /^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) this.wire.ut_pex.addPeer(address)
  }

  forgetPeer (address: string): void {
    if (this.wire.ut_pex !== undefined && /^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) this.wire.ut_pex.dropPeer(address)
  }

  close (reason: string): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.handshakeTimer)
    this.wire.ut_pex?.stop?.()
    this.wire.destroy()
    this.socket.destroy()
    this.emit('closed', reason)
  }
}
