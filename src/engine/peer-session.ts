/**
 * One connected peer of one torrent: availability to the picker, our interest, requests in
 * flight (with timeouts and snub detection), blocks handed to the torrent, and uploads.
 * The torrent (PeerHost) owns the picker, the store and the rate limits.
 */
import type { Logger } from '../log.js'
import type { BlockRequest, PeerSnapshot, PickContext, PiecePicker } from '../picker/index.js'
import type { PeerConnection } from '../wire/index.js'
import { BLOCK_LENGTH } from '../wire/index.js'
import { blockTracer, type BlockTracer } from './block-trace.js'
import { blockLength } from './piece-assembly.js'
import { pipelineCapacity } from './request-pipeline.js'
import type { TokenBucket } from './token-bucket.js'

const MAX_UPLOAD_REQUEST = 128 * 1024
/** A request unanswered this long is given to someone else. */
const REQUEST_TIMEOUT_MS = 20_000
/** A peer that sends nothing this long while we wait on it is snubbing us. */
const SNUB_TIMEOUT_MS = 30_000

export interface PeerHost {
  readonly log: Logger
  readonly pieceCount: number
  picker (): PiecePicker | undefined
  pieceSize (piece: number): number
  hasPiece (piece: number): boolean
  /** Wanted and not yet verified. */
  needsPiece (piece: number): boolean
  bitfield (): Uint8Array | undefined
  /** Lets the picker compare this peer's expected finish time with every other source's. */
  pickContext (): PickContext
  /** A stream is playing: keep pipelines short so urgent requests are not queued behind others. */
  readonly streaming: boolean
  /** Completed pieces wait for the disk: ask for nothing more until the host fills again. */
  readonly storageBacklogged: boolean
  /**
   * Ask for nothing until woken (or the next tick): another torrent's film has the bandwidth,
   * or this torrent's last reader closed a moment ago and the next read is likely on its way.
   */
  readonly downloadsYield: boolean
  readonly downloadBucket: TokenBucket
  readonly uploadBucket: TokenBucket
  onBlock (peer: PeerSession, piece: number, block: number, data: Uint8Array): void
  readForUpload (piece: number, offset: number, length: number): Promise<Uint8Array>
  onUploaded (bytes: number): void
  onInterestChanged (peer: PeerSession): void
}

export class PeerSession {
  readonly inflight = new Map<string, { req: BlockRequest, issuedAt: number }>()
  snubbed = false
  private lastDataAt: number
  private refillTimer: NodeJS.Timeout | undefined
  /** Logs each block at trace level; undefined below it. */
  private readonly trace: BlockTracer | undefined
  private started = false

  constructor (
    readonly id: string,
    readonly conn: PeerConnection,
    private readonly host: PeerHost,
    private readonly now: () => number
  ) {
    this.lastDataAt = now()
    this.trace = blockTracer(host.log, id)
  }

  get peerId (): string { return this.conn.remote?.peerId ?? this.id }
  get address (): string { return this.conn.address }
  get wire (): PeerConnection['wire'] { return this.conn.wire }
  get isSeed (): boolean {
    if (this.host.pieceCount === 0) return false
    for (let i = 0; i < this.host.pieceCount; i++) if (!this.wire.peerPieces.get(i)) return false
    return true
  }

  /** Called once the handshake is done; sends our pieces and listens to the peer. */
  start (): void {
    const { wire } = this
    wire.on('bitfield', () => this.onAvailabilityReset())
    wire.on('have-all', () => this.onAvailabilityReset())
    wire.on('have', (piece: number) => this.onHave(piece))
    // Every block the peer sends, whether still asked for, cancelled or a duplicate.
    const trace = this.trace
    if (trace !== undefined) wire.on('piece', (piece: number, offset: number) => trace('block arrived', { piece, block: offset / BLOCK_LENGTH }))
    wire.on('unchoke', () => this.fill())
    wire.on('interested', () => this.host.onInterestChanged(this))
    wire.on('uninterested', () => this.host.onInterestChanged(this))
    wire.on('request', (piece: number, offset: number, length: number, respond: (err: Error | null, data?: Uint8Array) => void) => {
      this.serve(piece, offset, length, respond)
    })
    this.sendAvailability()
  }

  /** Metadata arrived after the handshake (magnet): tell the picker what this peer had. */
  onMetadata (): void {
    const maxBitfield = Math.ceil(this.host.pieceCount / 8) + 1
    this.wire.maxMessageLength = Math.max(this.wire.maxMessageLength, maxBitfield + 4)
    if (!this.started) this.sendAvailability()
    this.onAvailabilityReset()
  }

  private sendAvailability (): void {
    const bitfield = this.host.bitfield()
    if (bitfield === undefined) return
    this.started = true
    this.wire.maxMessageLength = Math.max(this.wire.maxMessageLength, bitfield.length + 5)
    const count = countBits(bitfield, this.host.pieceCount)
    if (this.wire.hasFast && count === 0) this.wire.haveNone()
    else if (this.wire.hasFast && count === this.host.pieceCount) this.wire.haveAll()
    else this.wire.bitfield(bitfield)
  }

  private onAvailabilityReset (): void {
    const picker = this.host.picker()
    if (picker === undefined) return
    const pieces = this.wire.peerPieces
    picker.onPeerBitfield(this.id, piece => piece < this.host.pieceCount && pieces.get(piece))
    this.updateInterest()
    this.fill()
  }

  private onHave (piece: number): void {
    const picker = this.host.picker()
    if (picker === undefined) return
    if (!Number.isInteger(piece) || piece >= this.host.pieceCount) {
      this.conn.close(`have for piece ${piece}, torrent has ${this.host.pieceCount}`)
      return
    }
    picker.onGotHave(this.id, piece)
    if (!this.wire.amInterested && this.host.needsPiece(piece)) this.setInterested(true)
    this.fill()
  }

  /** Recomputes whether the peer has anything we still need. */
  updateInterest (): void {
    const picker = this.host.picker()
    if (picker === undefined) return
    let interesting = false
    for (let piece = 0; piece < this.host.pieceCount && !interesting; piece++) {
      interesting = this.host.needsPiece(piece) && picker.peerHas(this.id, piece)
    }
    this.setInterested(interesting)
  }

  private setInterested (interested: boolean): void {
    if (interested === this.wire.amInterested) return
    if (interested) this.wire.interested()
    else this.wire.uninterested()
  }

  /** Tops the pipeline up to what the peer's rate deserves. */
  fill (): void {
    const picker = this.host.picker()
    if (picker === undefined || this.conn.closed || this.wire.peerChoking || !this.wire.amInterested) return
    if (this.host.storageBacklogged || this.host.downloadsYield) return
    const wait = this.host.downloadBucket.debtMs()
    if (wait > 0) {
      if (this.refillTimer === undefined) {
        this.refillTimer = setTimeout(() => { this.refillTimer = undefined; this.fill() }, wait)
      }
      return
    }
    const capacity = pipelineCapacity({
      snubbed: this.snubbed,
      streaming: this.host.streaming,
      deliveredBytes: this.conn.downloadRate.total,
      rateSized: seconds => this.conn.pipelineSize(seconds)
    })
    const room = capacity - this.inflight.size
    if (room <= 0) return
    for (const req of picker.next(this.id, room, this.host.pickContext())) this.request(req)
  }

  /** What the picker needs to know about this peer to place urgent blocks. */
  snapshot (): PeerSnapshot {
    const meter = this.conn.downloadRate
    return { rate: meter.rate(), rateIsLowerBound: meter.rateIsLowerBound, queuedBytes: this.inflight.size * BLOCK_LENGTH, snubbed: this.snubbed }
  }

  private request (req: BlockRequest): void {
    const key = `${req.piece}:${req.block}`
    const length = blockLength(this.host.pieceSize(req.piece), req.block)
    this.inflight.set(key, { req, issuedAt: this.now() })
    this.trace?.('block requested', req)
    this.wire.request(req.piece, req.block * BLOCK_LENGTH, length, (err, data) => {
      if (this.inflight.get(key)?.req !== req) return // cancelled or timed out by us
      this.inflight.delete(key)
      if (err !== null || data === undefined) {
        this.host.picker()?.onRequestFailed(this.id, req)
        return
      }
      if (data.length !== length) {
        this.host.picker()?.onRequestFailed(this.id, req)
        this.conn.close(`block ${key} had ${data.length} bytes, expected ${length}`)
        return
      }
      this.lastDataAt = this.now()
      this.snubbed = false
      this.host.downloadBucket.take(data.length)
      this.host.onBlock(this, req.piece, req.block, data)
      this.fill()
    })
  }

  /** Withdraws a request (another peer delivered the block first). */
  cancel (req: BlockRequest): void {
    const key = `${req.piece}:${req.block}`
    if (!this.inflight.delete(key)) return
    this.trace?.('block cancelled', req)
    this.wire.cancel(req.piece, req.block * BLOCK_LENGTH, blockLength(this.host.pieceSize(req.piece), req.block))
  }

  /** Periodic check: requests that timed out go back to the picker; a silent peer is snubbed. */
  tick (): void {
    const now = this.now()
    const picker = this.host.picker()
    if (this.inflight.size > 0 && now - this.lastDataAt > SNUB_TIMEOUT_MS && !this.snubbed) {
      this.snubbed = true
      this.host.log.debug({ peer: this.address }, 'peer snubbed us')
    }
    for (const [key, { req, issuedAt }] of this.inflight) {
      if (now - issuedAt < REQUEST_TIMEOUT_MS && !this.snubbed) continue
      this.inflight.delete(key)
      this.trace?.('block timed out', req)
      this.wire.cancel(req.piece, req.block * BLOCK_LENGTH, blockLength(this.host.pieceSize(req.piece), req.block))
      picker?.onRequestFailed(this.id, req)
    }
    this.fill()
  }

  announceHave (piece: number): void {
    if (this.started) this.wire.have(piece)
    else this.sendAvailability()
  }

  private serve (piece: number, offset: number, length: number, respond: (err: Error | null, data?: Uint8Array) => void): void {
    if (length > MAX_UPLOAD_REQUEST || length === 0 || piece >= this.host.pieceCount || !this.host.hasPiece(piece) ||
        offset + length > this.host.pieceSize(piece)) {
      respond(new Error(`cannot serve piece ${piece} offset ${offset} length ${length}`))
      return
    }
    const send = (): void => {
      // Choked while it waited for upload tokens: the wire has dropped the request already.
      if (this.wire.amChoking) return
      this.host.readForUpload(piece, offset, length).then(
        data => {
          // Count what the wire sent: a request dropped by a choke in the meantime sends nothing.
          const before = this.wire.uploaded
          respond(null, data)
          this.host.onUploaded(this.wire.uploaded - before)
        },
        err => respond(err as Error)
      )
    }
    // A cap's remainder is a hard bound: the request is refused rather than sent over it.
    if (!this.host.uploadBucket.reserve(length)) {
      respond(new Error('upload quota reached'))
      return
    }
    const wait = this.host.uploadBucket.take(length)
    if (wait === 0) send()
    else setTimeout(send, wait)
  }

  /** Hands every request in flight back to the picker and forgets the peer. */
  close (): void {
    clearTimeout(this.refillTimer)
    const picker = this.host.picker()
    this.inflight.clear()
    picker?.onPeerGone(this.id)
  }
}

function countBits (bitfield: Uint8Array, count: number): number {
  let total = 0
  for (let i = 0; i < count; i++) if (((bitfield[i >> 3] ?? 0) >> (7 - (i & 7)) & 1) === 1) total++
  return total
}
