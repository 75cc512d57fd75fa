/**
 * One torrent's life: metadata (from a .torrent or over ut_metadata), its store and picker,
 * its peers, readers, and the stats the API shows. Peer protocol: PeerSession; connections:
 * PeerSwarm; blocks to verified pieces: PieceIntake; what is wanted: PiecePriorities.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { AbortedError } from '../errors.js'
import type { Logger } from '../log.js'
import { PiecePicker, type BlockRequest, type PeerSnapshot, type PickContext } from '../picker/index.js'
import { createPieceStore, type PieceStore } from '../store/index.js'
import { BLOCK_LENGTH, RateMeter } from '../wire/index.js'
import type { Metainfo } from './metainfo.js'
import { PiecePriorities } from './piece-priorities.js'
import { PieceIntake } from './piece-intake.js'
import type { PeerHost, PeerSession } from './peer-session.js'
import { NO_PRESSURE, type ReadaheadPressure } from './readahead.js'
import { StreamReaders } from './stream-readers.js'
import { VerifiedReads } from './verified-reads.js'
import type { TokenBucket } from './token-bucket.js'
import type { ByteRangeReader, ReaderOptions, Torrent, TorrentFileInfo, TorrentState, TorrentStats } from './types.js'
import { torrentStats } from './torrent-stats.js'

/** Urgent blocks due this soon and not yet requested make peers give up background requests. */
const PREEMPT_WITHIN_MS = 3000

export interface TorrentSessionInit {
  infoHash: string
  name: string
  metainfo: Metainfo | undefined
  /** Root for this torrent's files. */
  filesDir: string
  /** Folder for the resume journal. */
  stateDir: string
  log: Logger
  downloadBucket: TokenBucket
  uploadBucket: TokenBucket
  now: () => number
  random: () => number
  /** The box's memory and disk pressure, which shrinks stream readahead; none when absent. */
  pressure?: () => ReadaheadPressure
  /** Another torrent on the box is being streamed (a film plays or starts) and still downloads. */
  othersStreaming?: () => boolean
}

export interface TorrentSessionEvents {
  verified: [piece: number]
  metadata: [Metainfo]
  complete: []
  /** A peer became (un)interested in us: the choker may want to act now. */
  interestChanged: [PeerSession]
  /** Readers' deadlines changed; web seeds should look for work. */
  deadlinesChanged: []
}

export class TorrentSession extends EventEmitter<TorrentSessionEvents> implements Torrent, PeerHost {
  readonly infoHash: string
  readonly log: Logger
  readonly downloadBucket: TokenBucket
  readonly uploadBucket: TokenBucket
  metainfo: Metainfo | undefined
  store: PieceStore | undefined
  state: TorrentState
  error: string | undefined
  readonly peers = new Map<string, PeerSession>()
  /** Peer ids, addresses and web seed ids refused for sending corrupt data. */
  readonly banned = new Set<string>()
  bannedCount = 0
  readonly downloadMeter: RateMeter
  readonly uploadMeter: RateMeter
  private pickerInstance: PiecePicker | undefined
  private intake: PieceIntake | undefined
  private readonly readers: StreamReaders
  private readonly priorities = new PiecePriorities()
  private readonly reads = new VerifiedReads()
  private readonly metadataWaiters = new Set<() => void>()
  private readonly now: () => number
  private readonly random: () => number
  private readonly name0: string
  private readonly init: TorrentSessionInit

  constructor (init: TorrentSessionInit) {
    super()
    this.init = init
    this.infoHash = init.infoHash
    this.name0 = init.name
    this.log = init.log
    this.downloadBucket = init.downloadBucket
    this.uploadBucket = init.uploadBucket
    this.now = init.now
    this.random = init.random
    this.downloadMeter = new RateMeter(init.now)
    this.uploadMeter = new RateMeter(init.now)
    this.state = 'metadata'
    this.readers = new StreamReaders({
      pieceLength: () => this.metainfo?.pieceLength ?? 1,
      length: () => this.metainfo?.length ?? 0,
      file: index => this.metainfo?.files[index],
      now: this.now,
      downloadRate: () => this.downloadMeter.rate(),
      pressure: () => init.pressure?.() ?? NO_PRESSURE,
      readVerified: async (offset, length, signal) => await this.readVerified(offset, length, signal),
      deadlinesChanged: () => this.onDeadlinesChanged()
    })
    this.metainfo = init.metainfo
  }

  /** Opens the store (when metadata is known); never re-hashes existing data. */
  async open (): Promise<void> {
    if (this.metainfo !== undefined) await this.useMetainfo(this.metainfo)
  }

  /** Installs metadata: store, picker, priorities; peers already connected learn it. */
  async useMetainfo (metainfo: Metainfo): Promise<void> {
    this.metainfo = metainfo
    const store = createPieceStore({
      dir: this.init.filesDir,
      infoHash: metainfo.infoHash,
      pieceLength: metainfo.pieceLength,
      pieceHashes: metainfo.pieceHashes,
      files: metainfo.files,
      resumeFile: join(this.init.stateDir, `${metainfo.infoHash}.resume`),
      log: this.log
    })
    await store.open()
    this.store = store
    store.onPieceLost(piece => this.onPieceLost(piece))
    const picker = this.pickerInstance = new PiecePicker({
      random: this.random,
      mediator: {
        pieceCount: metainfo.pieceCount,
        blockCount: piece => Math.ceil(this.pieceSize(piece) / BLOCK_LENGTH),
        clientHasPiece: piece => store.hasPiece(piece),
        piecePriority: piece => this.priorities.of(piece),
        pieceDeadline: piece => this.readers.deadlineOf(piece)
      }
    })
    this.intake = new PieceIntake({
      log: this.log,
      picker,
      store,
      pieceSize: piece => this.pieceSize(piece),
      stored: piece => { this.error = undefined; this.onPieceAvailable(piece); this.checkCompletion() },
      storeFailed: (_, err) => { this.error = err.message },
      wakePeers: () => this.wakePeers(),
      ban: source => this.ban(source)
    })
    this.priorities.compute(metainfo)
    this.onPrioritiesChanged()
    this.state = this.isComplete() ? 'seeding' : 'downloading'
    for (const resolve of this.metadataWaiters) resolve()
    this.metadataWaiters.clear()
    this.emit('metadata', metainfo)
    for (const peer of this.peers.values()) {
      peer.conn.setMetadata(metainfo.infoBuffer)
      peer.onMetadata()
    }
    void this.adoptExistingData()
  }

  /**
   * Pieces whose bytes are on disk but not in the journal (data placed before the torrent was
   * added, or written in the second before a crash) are hashed in the background and adopted
   * when they match, so they are not fetched again. Start-up does not wait for this.
   */
  private async adoptExistingData (): Promise<void> {
    const store = this.store
    if (store === undefined) return
    let adopted = 0
    for (let piece = 0; piece < this.pieceCount; piece++) {
      if (this.state === 'stopped') return
      if (store.hasPiece(piece)) continue
      const ok = await store.adoptExisting(piece).catch(() => false)
      if (!ok) continue
      adopted++
      this.intake?.drop(piece)
      this.onPieceAvailable(piece)
    }
    if (adopted > 0) this.log.info({ adopted }, 'adopted pieces already on disk')
    this.checkCompletion()
  }

  // ---- Torrent (public view) ----

  get name (): string { return this.metainfo?.name ?? this.name0 }
  get hasMetadata (): boolean { return this.store !== undefined }
  get pieceCount (): number { return this.metainfo?.pieceCount ?? 0 }

  async whenMetadata (options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.hasMetadata) return
    await new Promise<void>((resolve, reject) => {
      const done = (): void => { options.signal?.removeEventListener('abort', abort); resolve() }
      const abort = (): void => { this.metadataWaiters.delete(done); reject(new AbortedError('stopped waiting for metadata')) }
      this.metadataWaiters.add(done)
      options.signal?.addEventListener('abort', abort, { once: true })
    })
  }

  files (): TorrentFileInfo[] {
    return this.metainfo?.files.map(file => ({ ...file })) ?? []
  }

  setWantedFiles (indexes: readonly number[]): void {
    this.priorities.setWantedFiles(indexes, this.metainfo)
    this.onPrioritiesChanged()
  }

  fetchFirst (fileIndex: number, bytes: number): void {
    this.priorities.setOpening(fileIndex, bytes, this.metainfo)
    this.onPrioritiesChanged()
  }

  createReader (options: ReaderOptions = {}): ByteRangeReader {
    return this.readers.create(options)
  }

  /** A stream reader is open (`reading`), or one just closed (`streaming` too): peers keep their pipelines short. */
  get streaming (): boolean { return this.readers.streaming }
  get reading (): boolean { return this.readers.count > 0 }
  watchedSince (since: number): boolean { return this.readers.watchedSince(since) }

  stats (): TorrentStats {
    return torrentStats(this, this.priorities.wantedFiles)
  }

  // ---- PeerHost ----

  picker (): PiecePicker | undefined { return this.pickerInstance }

  /** Other sources of blocks besides peers (web seeds), by picker id. */
  readonly extraSources = new Map<string, { snapshot (): PeerSnapshot, cancel (req: BlockRequest): void }>()
  /** Payload bytes that came from web seeds (the rest of downloadMeter came from peers). */
  webSeedBytes = 0

  pickContext (): PickContext {
    return {
      now: this.now(),
      // A peer choking us cannot be asked, so it is no rival for an urgent piece.
      peer: id => {
        const peer = this.peers.get(id)
        if (peer !== undefined) return peer.wire.peerChoking ? undefined : peer.snapshot()
        return this.extraSources.get(id)?.snapshot()
      }
    }
  }

  /**
   * While another torrent is being streamed and still downloads, and nobody reads this one, it
   * asks for nothing: the film on screen gets the box's whole download bandwidth. Requests in
   * flight finish; peers stay connected and interested; downloading resumes when the film stops
   * or has all its pieces. The same holds for a moment after this torrent's last reader closed,
   * while the next read is likely on its way (StreamReaders.lingering).
   */
  get downloadsYield (): boolean {
    return this.readers.count === 0 && (this.readers.lingering || (this.init.othersStreaming?.() ?? false))
  }

  /** Lets every peer ask for blocks again (another torrent stopped streaming). */
  wakePeers (): void {
    for (const peer of this.peers.values()) peer.fill()
  }

  get storageBacklogged (): boolean { return this.intake?.backlogged ?? false }

  /** Pieces that failed their SHA-1 check. */
  get hashFailures (): number { return this.intake?.hashFailures ?? 0 }

  pieceSize (piece: number): number {
    const metainfo = this.metainfo
    if (metainfo === undefined) return 0
    return Math.min(metainfo.pieceLength, metainfo.length - piece * metainfo.pieceLength)
  }

  hasPiece (piece: number): boolean { return this.store?.hasPiece(piece) ?? false }

  needsPiece (piece: number): boolean {
    return (this.priorities.of(piece) > 0 || this.readers.deadlineOf(piece) !== undefined) && !this.hasPiece(piece)
  }

  bitfield (): Uint8Array | undefined { return this.store?.bitfield() }

  onUploaded (bytes: number): void { this.uploadMeter.add(bytes) }

  onInterestChanged (peer: PeerSession): void { this.emit('interestChanged', peer) }

  async readForUpload (piece: number, offset: number, length: number): Promise<Uint8Array> {
    if (this.store === undefined) throw new AbortedError('torrent has no data yet')
    return await this.store.readPiece(piece, offset, length)
  }

  onBlock (peer: PeerSession, piece: number, block: number, data: Uint8Array): void { this.acceptBlock(peer.id, peer.peerId, piece, block, data, 'peer') }

  /**
   * A block arrived from a peer or a web seed (`sourceId` as the picker knows it, `contributor`
   * as blame is recorded): copies of it requested elsewhere are cancelled, and a completed
   * piece is verified and stored.
   */
  acceptBlock (sourceId: string, contributor: string, piece: number, block: number, data: Uint8Array, origin: 'peer' | 'webseed'): void {
    const picker = this.pickerInstance
    const intake = this.intake
    if (picker === undefined || intake === undefined) return
    this.downloadMeter.add(data.length)
    if (origin === 'webseed') this.webSeedBytes += data.length
    for (const other of picker.onGotBlock(sourceId, { piece, block })) {
      (this.peers.get(other) ?? this.extraSources.get(other))?.cancel({ piece, block })
    }
    intake.addBlock(piece, block, data, contributor)
  }

  /** A piece became verified (downloaded or adopted from disk): tell the picker, peers and readers. */
  private onPieceAvailable (piece: number): void {
    this.pickerInstance?.onPieceVerified(piece)
    for (const peer of this.peers.values()) peer.announceHave(piece)
    this.emit('verified', piece)
    this.reads.wake()
  }

  private checkCompletion (): void {
    const store = this.store
    if (store === undefined) return
    if (this.state === 'downloading' && this.isComplete()) {
      this.state = 'seeding'
      this.log.info({ name: this.name }, 'download complete, seeding')
      void store.flush().catch(err => this.log.warn({ err }, 'flush after completion failed'))
      this.emit('complete')
      for (const peer of this.peers.values()) peer.updateInterest()
    }
  }

  /** Refuses the source (peer id or web seed id) from now on and drops its connections. */
  private ban (source: string): void {
    if (this.banned.has(source)) return
    this.banned.add(source)
    this.bannedCount++
    this.log.warn({ peerId: source }, 'banned a source for sending corrupt data')
    for (const peer of this.peers.values()) {
      if (peer.peerId !== source) continue
      this.banned.add(peer.address)
      peer.conn.close('banned for sending corrupt data')
    }
  }

  private onPieceLost (piece: number): void {
    this.log.warn({ piece }, 'stored piece failed its re-check; fetching it again')
    this.pickerInstance?.onPieceFailed(piece)
    if (this.state === 'seeding') this.state = 'downloading'
    for (const peer of this.peers.values()) { peer.updateInterest(); peer.fill() }
  }

  isComplete (): boolean {
    if (this.store === undefined) return false
    for (let piece = 0; piece < this.pieceCount; piece++) if (this.needsPiece(piece)) return false
    return true
  }

  /** Wanted files or the opening changed: the picker re-ranks, peers re-judge their interest. */
  private onPrioritiesChanged (): void {
    this.pickerInstance?.onPriorityChanged()
    if (this.store !== undefined) {
      const complete = this.isComplete()
      if (complete && this.state === 'downloading') this.state = 'seeding'
      if (!complete && this.state === 'seeding') this.state = 'downloading'
      for (const peer of this.peers.values()) { peer.updateInterest(); peer.fill() }
    }
  }

  // ---- readers ----
  /** A reader moved: pieces change deadlines, stale requests go, urgent ones go out now. */
  private onDeadlinesChanged (): void {
    const picker = this.pickerInstance
    if (picker === undefined) return
    const now = this.now()
    for (const { peer, req } of picker.onDeadlinesChanged(now)) {
      (this.peers.get(peer) ?? this.extraSources.get(peer))?.cancel(req)
    }
    // A seek or a new reader: background requests must not hold up blocks due in seconds.
    // Every peer yields before any refills, so the urgent blocks are shared among all of
    // them by when each would deliver, rather than taken by whichever peer is asked first.
    for (const session of this.peers.values()) {
      if (!session.wire.amInterested) session.updateInterest()
      for (const req of picker.yieldToUrgent(session.id, now, PREEMPT_WITHIN_MS)) session.cancel(req)
    }
    for (const session of this.peers.values()) session.fill()
    this.emit('deadlinesChanged')
  }

  private async readVerified (offset: number, length: number, signal: AbortSignal): Promise<Uint8Array> {
    if (this.metainfo === undefined) await this.whenMetadata({ signal })
    const info = this.metainfo as Metainfo
    if (offset < 0 || length < 0 || offset + length > info.length) throw new RangeError(`read ${offset}+${length} outside torrent of ${info.length} bytes`)
    return await this.reads.read(this.store as PieceStore, info.pieceLength, offset, length, signal)
  }

  /** Stops readers and closes the store; the swarm is stopped by the caller. */
  async close (): Promise<void> {
    this.state = 'stopped'
    this.readers.stop()
    await this.store?.close()
  }
}
