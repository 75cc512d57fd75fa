/**
 * Puts a web seed (BEP 19) to work for one torrent, as a fallback source: it asks the picker
 * for blocks the way a peer does, but the picker only hands a web seed blocks of pieces whose
 * deadline no peer can meet. Fetched blocks join the same verification path as peers' blocks.
 */
import type { Logger } from '../log.js'
import type { BlockRequest, PeerSnapshot } from '../picker/index.js'
import type { WebSeed } from '../discovery/index.js'
import { BLOCK_LENGTH } from '../wire/index.js'
import { blockTracer, type BlockTracer } from './block-trace.js'
import { blockLength } from './piece-assembly.js'
import type { TorrentSession } from './torrent-session.js'

/** Blocks one web seed has in flight at most. */
const MAX_INFLIGHT = 32
const PUMP_INTERVAL_MS = 200

export class WebSeedFeeder {
  readonly id: string
  private readonly inflight = new Map<string, { req: BlockRequest, controller: AbortController }>()
  private timer: NodeJS.Timeout | undefined
  private readonly onDeadlines = (): void => this.pump()

  /** Logs each block at trace level, as peers do; undefined below it. */
  private readonly trace: BlockTracer | undefined

  constructor (private readonly session: TorrentSession, private readonly seed: WebSeed, private readonly log: Logger) {
    this.id = `webseed:${seed.url}`
    this.trace = blockTracer(log, this.id)
  }

  start (): void {
    this.session.extraSources.set(this.id, this)
    this.session.on('deadlinesChanged', this.onDeadlines)
    this.timer = setInterval(() => this.pump(), PUMP_INTERVAL_MS)
    this.timer.unref()
  }

  snapshot (): PeerSnapshot {
    return { rate: this.seed.rate(), queuedBytes: this.seed.queuedBytes(), snubbed: !this.seed.isUsable() || this.session.banned.has(this.id), webSeed: true }
  }

  /** Asks the picker for late blocks and fetches them. */
  pump (): void {
    const picker = this.session.picker()
    if (picker === undefined || !this.seed.isUsable() || this.session.banned.has(this.id)) return
    if (this.session.storageBacklogged || this.session.downloadsYield) return
    const room = MAX_INFLIGHT - this.inflight.size
    if (room <= 0) return
    for (const req of picker.next(this.id, room, this.session.pickContext())) this.fetch(req)
  }

  private fetch (req: BlockRequest): void {
    const metainfo = this.session.metainfo
    if (metainfo === undefined) return
    const key = `${req.piece}:${req.block}`
    const controller = new AbortController()
    this.inflight.set(key, { req, controller })
    this.trace?.('block requested', req)
    const offset = req.piece * metainfo.pieceLength + req.block * BLOCK_LENGTH
    const length = blockLength(this.session.pieceSize(req.piece), req.block)
    this.seed.fetchRange(offset, length, { signal: controller.signal }).then(data => {
      this.trace?.('block arrived', req)
      if (this.inflight.get(key)?.controller !== controller) return
      this.inflight.delete(key)
      this.session.acceptBlock(this.id, this.id, req.piece, req.block, data, 'webseed')
      this.pump()
    }, (err: unknown) => {
      if (this.inflight.get(key)?.controller !== controller) return
      this.inflight.delete(key)
      this.session.picker()?.onRequestFailed(this.id, req)
      this.log.debug({ err, url: this.seed.url, piece: req.piece }, 'web seed request failed')
    })
  }

  /** A peer delivered the block first, or a seek made it stale. */
  cancel (req: BlockRequest): void {
    const key = `${req.piece}:${req.block}`
    const entry = this.inflight.get(key)
    if (entry === undefined) return
    this.inflight.delete(key)
    this.trace?.('block cancelled', req)
    entry.controller.abort()
  }

  stop (): void {
    clearInterval(this.timer)
    this.session.off('deadlinesChanged', this.onDeadlines)
    this.session.extraSources.delete(this.id)
    for (const { controller } of this.inflight.values()) controller.abort()
    this.inflight.clear()
    this.session.picker()?.onPeerGone(this.id)
    this.seed.close()
  }
}
