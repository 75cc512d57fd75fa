/**
 * BitTorrent peers over WebRTC data channels (the WebTorrent transport). WebSocket trackers
 * hand us simple-peer objects (a data channel over node-datachannel, through webrtc-polyfill)
 * whose ICE is still running; this module waits for the channel to open and wraps it in a
 * PeerConnection, so the rest of the engine sees the same peer as over TCP.
 * Invariant: a signalled peer is either turned into a PeerConnection or destroyed, never leaked.
 */
import type { Duplex } from 'node:stream'
import { WebRtcConnectError } from '../errors.js'
import { PeerConnection } from './peer-connection.js'

/** How a box reaches WebRTC peers. */
export interface WebRtcOptions {
  /**
   * STUN servers (`stun:host:port`) that tell us our address as the internet sees it, needed
   * to cross NATs. None means host candidates only: enough on one LAN, and in tests.
   */
  stunServers: readonly string[]
  /**
   * The local address ICE gathers candidates on and binds to; every interface when absent.
   * Tests pin 127.0.0.1 (or a test namespace's address) so no host interface is ever used.
   */
  bindAddress?: string
  /** UDP ports ICE may bind, inclusive (a firewall hole); any free port when absent. */
  portRange?: { first: number, last: number }
  /** Time a signalled peer has to open its data channel. Default 30 s. */
  connectTimeoutMs?: number
}

/**
 * The parts of a signalled simple-peer we use. It is a streamx Duplex: `pipe`, `on`, `destroy`
 * behave like a socket's, which is all PeerConnection asks of its socket.
 */
export interface SignalledPeer {
  /** The remote peer id (hex) the tracker relayed. */
  id?: string
  readonly initiator: boolean
  readonly connected: boolean
  readonly destroyed: boolean
  remoteAddress?: string
  remotePort?: number
  on (event: 'connect' | 'close', listener: () => void): unknown
  on (event: 'error', listener: (err: Error) => void): unknown
  on (event: 'iceStateChange', listener: (connection: string, gathering: string) => void): unknown
  once (event: 'connect' | 'close', listener: () => void): unknown
  once (event: 'error', listener: (err: Error) => void): unknown
  removeListener (event: string, listener: (...args: never[]) => void): unknown
  emit (event: string, ...args: unknown[]): boolean
  destroy (err?: Error): void
}

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000

/**
 * The RTCConfiguration the tracker client gives every peer it creates. webrtc-polyfill hands
 * the whole object to node-datachannel's PeerConnection, so its own keys (`bindAddress`,
 * `portRangeBegin`/`End`) reach libjuice, and `iceServers` replaces simple-peer's default of
 * public Google and Twilio STUN servers.
 */
export function rtcConfiguration (options: WebRtcOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    iceServers: options.stunServers.length === 0 ? [] : [{ urls: [...options.stunServers] }]
  }
  if (options.bindAddress !== undefined) config.bindAddress = options.bindAddress
  if (options.portRange !== undefined) {
    config.portRangeBegin = options.portRange.first
    config.portRangeEnd = options.portRange.last
  }
  return config
}

/** Checks STUN URLs and the port range; returns a reason, or undefined when usable. */
export function invalidWebRtcOptions (options: WebRtcOptions): string | undefined {
  for (const url of options.stunServers) {
    if (!/^stuns?:[^\s:/]+(:\d{1,5})?$/.test(url)) return `STUN server "${url}" is not of the form stun:host:port`
  }
  const range = options.portRange
  if (range !== undefined && !(Number.isInteger(range.first) && Number.isInteger(range.last) && range.first >= 1 && range.first <= range.last && range.last <= 65535)) {
    return `WebRTC port range ${range.first}-${range.last} is not 1 ≤ first ≤ last ≤ 65535`
  }
  return undefined
}

/**
 * webrtc-polyfill never fires the end-of-candidates event, so a non-trickling simple-peer
 * waits its full 5 s ICE timeout before sending its answer. Gathering state "complete" means
 * the same thing; on it, release the answer at once. Applies to peers answering a remote
 * offer, the ones handed to us before they signal.
 */
export function releaseAnswerOnGatheringComplete (peer: SignalledPeer): void {
  const internal = peer as SignalledPeer & { _iceComplete?: boolean }
  const onState = (_connection: string, gathering: string): void => {
    if (gathering !== 'complete' || internal._iceComplete === true) return
    internal._iceComplete = true
    peer.emit('_iceComplete')
  }
  peer.on('iceStateChange', onState)
  peer.once('connect', () => peer.removeListener('iceStateChange', onState))
}

/** The label a WebRTC peer's connection carries: never a dialable "host:port". */
export function webRtcAddress (peer: SignalledPeer): string {
  if (peer.remoteAddress !== undefined && peer.remotePort !== undefined) return `webrtc:${peer.remoteAddress}:${peer.remotePort}`
  return `webrtc:${(peer.id ?? 'unknown').slice(0, 16)}`
}

export interface ConnectWebRtcPeerInit {
  peer: SignalledPeer
  ourPeerId: Uint8Array
  now: () => number
  connectTimeoutMs?: number
  signal?: AbortSignal
}

/**
 * Waits until the peer's data channel is open, then returns a PeerConnection over it. The
 * side that sent the offer is the outgoing side. Rejects with WebRtcConnectError (the peer
 * destroyed) on timeout, ICE failure or abort.
 */
export async function connectWebRtcPeer (init: ConnectWebRtcPeerInit): Promise<PeerConnection> {
  const { peer } = init
  if (!peer.connected) await untilOpen(peer, init.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, init.signal)
  return new PeerConnection({
    socket: peer as unknown as Duplex,
    direction: peer.initiator ? 'outgoing' : 'incoming',
    address: webRtcAddress(peer),
    ourPeerId: init.ourPeerId,
    now: init.now
  })
}

async function untilOpen (peer: SignalledPeer, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const fail = (reason: string): void => {
      cleanup()
      peer.destroy()
      reject(new WebRtcConnectError(`WebRTC peer ${peer.id?.slice(0, 16) ?? '?'} did not connect: ${reason}`))
    }
    const onConnect = (): void => { cleanup(); resolve() }
    const onClose = (): void => fail('the peer closed before its data channel opened')
    const onError = (err: Error): void => fail(err.message)
    const onAbort = (): void => fail('aborted')
    const timer = setTimeout(() => fail(`no open data channel after ${timeoutMs} ms (ICE found no working address pair)`), timeoutMs)
    timer.unref()
    const cleanup = (): void => {
      clearTimeout(timer)
      peer.removeListener('connect', onConnect)
      peer.removeListener('close', onClose)
      peer.removeListener('error', onError)
      signal?.removeEventListener('abort', onAbort)
    }
    if (peer.destroyed) { fail('the peer was already destroyed'); return }
    if (signal?.aborted === true) { fail('aborted'); return }
    peer.once('connect', onConnect)
    peer.once('close', onClose)
    peer.once('error', onError)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
