/**
 * The engine: every torrent of the daemon, the peer listener, the shared DHT, connection and
 * rate limits, and what survives a restart. A torrent's own life is in TorrentSession and
 * PeerSwarm; this file routes and composes.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { BadTorrentError, ConfigError, DuplicateTorrentError, TorrentNotFoundError } from '../errors.js'
import type { Logger } from '../log.js'
import { createWebSeed, PeerDiscovery, startSharedDht, type SharedDht } from '../discovery/index.js'
import { PeerConnection } from '../wire/index.js'
import { invalidWebRtcOptions, rtcConfiguration, type WebRtcOptions } from '../wire/webrtc-peer.js'
import { UploadGate, type UploadMode } from './choker.js'
import { encodeTorrentFile, metainfoFromInfo, parseMagnet, parseTorrentFile, type Metainfo } from './metainfo.js'
import { PeerSwarm, type ConnectionBudget } from './peer-swarm.js'
import { seededRandom } from './random.js'
import { ResourcePressure } from './resource-pressure.js'
import { TokenBucket } from './token-bucket.js'
import { TorrentRegistry } from './torrent-registry.js'
import { TorrentSession } from './torrent-session.js'
import { WebSeedFeeder } from './web-seed-feeder.js'
import type { AddTorrentInput, Engine, EngineStats, SeedingControls, Torrent } from './types.js'
import bencode from 'bencode'

export interface EngineInit {
  /** Root of all torrent data; each torrent's files live under `<dataDir>/data/<infoHash>/`, state under `<dataDir>/state/`. */
  dataDir: string
  /** TCP port for incoming peers; 0 picks a free one. */
  torrentPort: number
  /** Address the peer listener binds to; '0.0.0.0' on a box, '127.0.0.1' in demo/tests. */
  torrentHost: string
  dht: boolean
  /** DHT bootstrap nodes ("host:port"); the public routers when absent. */
  dhtBootstrap?: string[]
  lsd: boolean
  /** Port mapping on the home router; accepted for the CLI contract, no mapping is attempted yet. */
  upnp: boolean
  /** Connections over all torrents, and per torrent. */
  maxConnections: number
  maxConnectionsPerTorrent: number
  /** Bytes per second; 0 means unlimited. */
  uploadRateLimit: number
  downloadRateLimit: number
  /** Peers we upload to at once per torrent (plus one optimistic slot). Default 4. */
  uploadSlots?: number
  log: Logger
  now?: () => number
  /** Peers over TCP: the listener, dialling, HTTP/UDP trackers, DHT and LSD. Default true; false leaves WebRTC alone (tests). */
  tcp?: boolean
  /** WebRTC peers signalled through the torrents' WebSocket trackers; none when absent. */
  webrtc?: WebRtcOptions
  /** Seed of the picker's tie-break RNG; random when absent. */
  seed?: number
  /** RSS the daemon should stay under; stream readahead shrinks as it gets near. Default 192 MiB. */
  memoryBudget?: number
}

const MAX_PENDING_INCOMING = 64

interface Entry { session: TorrentSession, swarm: PeerSwarm, discovery: PeerDiscovery, webSeeds: WebSeedFeeder[] }

export function createEngine (init: EngineInit): Engine & SeedingControls {
  return new TorrentEngine(init)
}

class TorrentEngine implements Engine, SeedingControls {
  private readonly torrents = new Map<string, Entry>()
  private readonly registry: TorrentRegistry
  private readonly peerId = Buffer.concat([Buffer.from('-RL0100-'), randomBytes(12)])
  private readonly now: () => number
  private readonly random: () => number
  private readonly log: Logger
  private readonly budget: ConnectionBudget
  private readonly downloadBucket: TokenBucket
  private readonly uploadBucket: TokenBucket
  private readonly uploadGate: UploadGate
  private readonly pressure: ResourcePressure
  private server: Server | undefined
  private dht: SharedDht | undefined
  private pendingIncoming = 0
  private port = 0
  private started = false

  constructor (private readonly init: EngineInit) {
    this.now = init.now ?? Date.now
    this.random = seededRandom(init.seed ?? randomBytes(4).readUInt32LE(0))
    this.log = init.log.child({ component: 'engine' })
    this.registry = new TorrentRegistry(join(init.dataDir, 'state'))
    this.budget = { open: 0, max: init.maxConnections }
    this.downloadBucket = new TokenBucket(init.downloadRateLimit, this.now)
    this.uploadBucket = new TokenBucket(init.uploadRateLimit, this.now)
    this.uploadGate = new UploadGate((init.uploadSlots ?? 4) + 1)
    this.pressure = new ResourcePressure({ dataDir: init.dataDir, memoryBudgetBytes: init.memoryBudget })
  }

  get torrentPort (): number { return this.port }

  async start (): Promise<void> {
    if (this.started) return
    const invalidWebRtc = this.init.webrtc === undefined ? undefined : invalidWebRtcOptions(this.init.webrtc)
    if (invalidWebRtc !== undefined) throw new ConfigError(invalidWebRtc)
    await this.registry.init()
    this.pressure.start()
    if (this.init.tcp !== false) await this.listenTcp()
    if (this.init.dht && this.init.tcp !== false) this.dht = startSharedDht(this.port, this.init.dhtBootstrap)
    this.started = true
    for (const saved of await this.registry.load()) {
      try {
        await this.add('torrentFile' in saved ? { torrentFile: saved.torrentFile } : { magnet: saved.magnet }, { persist: false })
      } catch (err) {
        this.log.error({ err, infoHash: saved.infoHash }, 'could not restore a saved torrent; it stays on disk untouched')
      }
    }
  }

  private async listenTcp (): Promise<void> {
    const server = createServer(socket => this.onIncoming(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.torrentPort, this.init.torrentHost, () => { server.off('error', reject); resolve() })
    })
    server.on('error', err => this.log.error({ err }, 'peer listener failed'))
    this.server = server
    const address = server.address()
    this.port = typeof address === 'object' && address !== null ? address.port : this.init.torrentPort
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.pressure.stop()
    await Promise.all([...this.torrents.values()].map(async entry => await this.stopEntry(entry)))
    this.torrents.clear()
    await new Promise<void>(resolve => this.server === undefined ? resolve() : this.server.close(() => resolve()))
    await this.dht?.destroy()
  }

  async add (input: AddTorrentInput, options: { persist?: boolean } = {}): Promise<Torrent> {
    if (!this.started) throw new BadTorrentError('the engine is not running')
    let metainfo: Metainfo | undefined
    let infoHash: string
    let name = ''
    let announce: string[]
    let magnetPeers: string[] = []
    if ('torrentFile' in input) {
      metainfo = await parseTorrentFile(input.torrentFile)
      infoHash = metainfo.infoHash
      name = metainfo.name
      announce = metainfo.announce
    } else {
      const magnet = await parseMagnet(input.magnet)
      infoHash = magnet.infoHash
      name = magnet.name
      announce = magnet.announce
      magnetPeers = magnet.peers
    }
    if (this.torrents.has(infoHash)) throw new DuplicateTorrentError(`torrent ${infoHash} is already on this box`)
    if (options.persist !== false) {
      if (metainfo !== undefined) await this.registry.saveTorrent(infoHash, 'torrentFile' in input ? input.torrentFile : encodeTorrentFile(metainfo))
      else await this.registry.saveMagnet(infoHash, (input as { magnet: string }).magnet)
    }
    const log = this.init.log.child({ infoHash })
    const session = new TorrentSession({
      infoHash,
      name,
      metainfo,
      filesDir: join(this.init.dataDir, 'data', infoHash),
      stateDir: join(this.init.dataDir, 'state'),
      log,
      downloadBucket: this.downloadBucket,
      uploadBucket: this.uploadBucket,
      now: this.now,
      random: this.random,
      pressure: () => this.pressure.current(),
      othersStreaming: () => this.filmNeedsBandwidth(infoHash)
    })
    // A film that stops streaming, or has every piece, hands the bandwidth back to the torrents
    // that yielded to it.
    const wakeOthers = (): void => {
      for (const other of this.torrents.values()) if (other.session !== session) other.session.wakePeers()
    }
    session.on('deadlinesChanged', () => { if (!session.streaming) wakeOthers() })
    session.on('complete', wakeOthers)
    await session.open()
    const swarm = new PeerSwarm({
      session,
      ourPeerId: this.peerId,
      isSelf: address => this.isSelf(address),
      budget: this.budget,
      maxPeers: this.init.maxConnectionsPerTorrent,
      uploadSlots: this.init.uploadSlots ?? 4,
      tcp: this.init.tcp !== false,
      ...(this.init.webrtc?.connectTimeoutMs === undefined ? {} : { webrtcConnectTimeoutMs: this.init.webrtc.connectTimeoutMs }),
      mayUnchoke: peer => this.uploadGate.allows(session, peer),
      log,
      now: this.now,
      random: this.random
    })
    swarm.onMetadataBytes = torrent => { void this.installMetadata(session, announce, torrent) }
    const discovery = new PeerDiscovery({
      infoHash,
      peerId: this.peerId.toString('hex'),
      port: this.port,
      announce,
      dht: this.dht?.client ?? false,
      lsd: this.init.lsd,
      tcp: this.init.tcp !== false,
      webrtc: this.init.webrtc === undefined ? false : rtcConfiguration(this.init.webrtc),
      log,
      announceStats: () => {
        const stats = session.stats()
        return { uploaded: stats.uploadedBytes, downloaded: stats.downloadedBytes, left: Math.max(0, stats.length - Math.round(stats.progress * stats.length)) }
      },
      wantedPeers: () => swarm.wantedPeers()
    })
    discovery.on('peer', (address, source) => swarm.addCandidate(address, source))
    discovery.on('webrtcPeer', peer => swarm.acceptWebRtc(peer))
    session.on('complete', () => discovery.complete())
    const webSeeds = (metainfo?.urlList ?? []).map(url => new WebSeedFeeder(session, createWebSeed({
      url,
      torrentName: session.name,
      multiFile: (metainfo?.files.length ?? 1) > 1 || metainfo?.files[0]?.path !== session.name,
      files: metainfo?.files ?? []
    }), log))
    this.torrents.set(infoHash, { session, swarm, discovery, webSeeds })
    for (const feeder of webSeeds) feeder.start()
    swarm.start()
    discovery.start()
    for (const address of magnetPeers) swarm.addCandidate(address, 'magnet')
    log.info({ name: session.name, hasMetadata: session.hasMetadata }, 'torrent added')
    return session
  }

  private async installMetadata (session: TorrentSession, announce: string[], torrent: Uint8Array): Promise<void> {
    if (session.hasMetadata) return
    try {
      const decoded = bencode.decode(torrent)
      const metainfo = metainfoFromInfo(decoded?.info, { announce })
      if (metainfo.infoHash !== session.infoHash) throw new BadTorrentError(`metadata hashes to ${metainfo.infoHash}`)
      if (session.hasMetadata) return
      await session.useMetainfo(metainfo)
      await this.registry.saveTorrent(session.infoHash, encodeTorrentFile(metainfo))
      session.log.info({ name: metainfo.name }, 'metadata installed')
    } catch (err) {
      session.log.warn({ err }, 'metadata from peer rejected')
    }
  }

  get (infoHash: string): Torrent | undefined {
    return this.torrents.get(infoHash.toLowerCase())?.session
  }

  list (): Torrent[] {
    return [...this.torrents.values()].map(entry => entry.session)
  }

  async remove (infoHash: string, options: { keepData?: boolean } = {}): Promise<void> {
    const entry = this.torrents.get(infoHash.toLowerCase())
    if (entry === undefined) throw new TorrentNotFoundError(`no torrent ${infoHash} on this box`)
    this.torrents.delete(entry.session.infoHash)
    await this.stopEntry(entry)
    await this.registry.forget(entry.session.infoHash)
    if (entry.session.store !== undefined) await entry.session.store.destroy({ keepData: options.keepData === true })
    if (options.keepData !== true) await rm(join(this.init.dataDir, 'data', entry.session.infoHash), { recursive: true, force: true })
  }

  stats (): EngineStats {
    const total: EngineStats = {
      torrents: this.torrents.size, peers: 0, downloadRate: 0, uploadRate: 0, downloadedBytes: 0, uploadedBytes: 0,
      bytesFromPeers: 0, bytesFromWebSeeds: 0, verifiedPieces: 0, hashFailures: 0, bannedPeers: 0
    }
    for (const { session } of this.torrents.values()) {
      const stats = session.stats()
      total.peers += stats.peers
      total.downloadRate += stats.downloadRate
      total.uploadRate += stats.uploadRate
      total.downloadedBytes += stats.downloadedBytes
      total.uploadedBytes += stats.uploadedBytes
      total.bytesFromPeers += stats.bytesFromPeers
      total.bytesFromWebSeeds += stats.bytesFromWebSeeds
      total.verifiedPieces += stats.verifiedPieces
      total.hashFailures += stats.hashFailures
      total.bannedPeers += stats.bannedPeers
    }
    return total
  }

  // ---- SeedingControls: what the seeding policy drives ----

  setUploadRateLimit (bytesPerSecond: number): void {
    this.uploadBucket.setRate(bytesPerSecond)
  }

  setUploadQuota (bytes: number | undefined): void {
    this.uploadBucket.setQuota(bytes)
  }

  setUploadMode (mode: UploadMode): void {
    // Requests queued behind the bucket are dropped unsent when their peers are choked.
    if (mode === 'closed' && this.uploadGate.current !== 'closed') this.uploadBucket.clearDebt()
    this.uploadGate.apply(mode, [...this.torrents.values()].map(entry => entry.session))
  }

  /** Another torrent than `infoHash` is streamed and still downloading: it gets the bandwidth. */
  private filmNeedsBandwidth (infoHash: string): boolean {
    for (const { session } of this.torrents.values()) {
      if (session.infoHash !== infoHash && session.streaming && session.state === 'downloading') return true
    }
    return false
  }

  streamingTorrents (): string[] {
    // Open readers only: the moment a torrent lingers after its last read is the engine's own business.
    return [...this.torrents.values()].filter(entry => entry.session.reading).map(entry => entry.session.infoHash)
  }

  watchedTorrents (since: number): string[] {
    return [...this.torrents.values()].filter(entry => entry.session.watchedSince(since)).map(entry => entry.session.infoHash)
  }

  servingPeers (): string[] {
    const serving: string[] = []
    for (const { session } of this.torrents.values()) {
      for (const peer of session.peers.values()) {
        if (!peer.wire.amChoking && peer.wire.peerInterested && peer.conn.uploadRate.rate() > 0) serving.push(peer.peerId)
      }
    }
    return serving
  }

  async evictData (infoHash: string): Promise<void> {
    const entry = this.torrents.get(infoHash.toLowerCase())
    if (entry === undefined) throw new TorrentNotFoundError(`no torrent ${infoHash} on this box`)
    const { session } = entry
    if (session.metainfo === undefined) throw new BadTorrentError(`torrent ${session.infoHash} has no metadata yet; there is nothing to evict`)
    const keptDir = join(this.init.dataDir, 'state', 'evicted')
    await mkdir(keptDir, { recursive: true })
    const kept = join(keptDir, `${session.infoHash}.torrent`)
    try {
      await rename(join(this.init.dataDir, 'state', `${session.infoHash}.torrent`), kept)
    } catch {
      await writeFile(`${kept}.tmp`, encodeTorrentFile(session.metainfo))
      await rename(`${kept}.tmp`, kept)
    }
    await this.remove(session.infoHash)
    session.log.info({ name: session.name }, 'title evicted; its .torrent is kept for fetching again')
  }

  async evicted (): Promise<string[]> {
    const names = await readdir(join(this.init.dataDir, 'state', 'evicted')).catch(() => [] as string[])
    return names.map(name => /^([0-9a-f]{40})\.torrent$/.exec(name)?.[1]).filter((hash): hash is string => hash !== undefined).sort()
  }

  async restoreEvicted (infoHash: string): Promise<Torrent> {
    const kept = join(this.init.dataDir, 'state', 'evicted', `${infoHash.toLowerCase()}.torrent`)
    const torrentFile = await readFile(kept).catch(() => undefined)
    if (torrentFile === undefined) throw new TorrentNotFoundError(`no evicted title ${infoHash} on this box`)
    const torrent = await this.add({ torrentFile })
    await rm(kept, { force: true })
    return torrent
  }

  private async stopEntry (entry: Entry): Promise<void> {
    for (const feeder of entry.webSeeds) feeder.stop()
    entry.swarm.stop()
    await entry.discovery.stop()
    await entry.session.close()
  }

  private isSelf (address: string): boolean {
    const port = Number(address.slice(address.lastIndexOf(':') + 1))
    if (port !== this.port) return false
    const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '')
    return host === this.init.torrentHost || host === '127.0.0.1' || host === '::1' || host === 'localhost' || host === '0.0.0.0'
  }

  private onIncoming (socket: import('node:net').Socket): void {
    if (this.pendingIncoming >= MAX_PENDING_INCOMING || this.budget.open >= this.budget.max) {
      socket.destroy()
      return
    }
    this.pendingIncoming++
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
    const conn = new PeerConnection({ socket, direction: 'incoming', address, ourPeerId: this.peerId, now: this.now })
    let routed = false
    const settle = (): void => { if (!routed) { routed = true; this.pendingIncoming-- } }
    conn.once('closed', settle)
    conn.once('handshake', remote => {
      settle()
      const entry = this.torrents.get(remote.infoHash)
      if (entry === undefined) {
        conn.close('handshake for a torrent we do not have')
        return
      }
      entry.swarm.acceptIncoming(conn)
    })
  }
}
