/**
 * The oracle client of the streaming section: what the same throttled seeders give a client
 * that knows the seek in advance and asks for nothing else. It speaks the peer wire to each
 * seeder directly (Reel's PeerConnection, no picker, no engine), asks for the opening's
 * pieces split evenly over the seeders, and the moment they are in, for every block of the
 * pieces the seek's bytes lie in, again split evenly. Nothing else is ever in flight, so no
 * seeder holds old requests when the seek's arrive, and no client could ask for less.
 * What it measures is the seeders' rate limiters at that moment: what a seek costs a
 * client that makes no mistake and reads nothing ahead.
 */
import { connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import type { TorrentFixture } from '../../test/helpers/fixtures.js'
import type { LibtorrentPeer } from '../../test/helpers/libtorrent.js'
import { blockLength } from '../../src/engine/piece-assembly.js'
import { BLOCK_LENGTH, PeerConnection } from '../../src/wire/index.js'
import type { SeekRun } from './streaming-report.js'

const CONNECT_TIMEOUT_MS = 10_000

export interface OracleClientPlan {
  /** Bytes at offset 0 the opening needs (startup), and at `seekAt` (seek). */
  probeBytes: number
  seekAt: number
  timeoutMs: number
}

interface Block { piece: number, offset: number, length: number }

/** One run against `seeders`: connects (not timed), then times the opening and the seek. */
export async function oracleClientRun(seeders: LibtorrentPeer[], fx: TorrentFixture, plan: OracleClientPlan): Promise<SeekRun> {
  const dialled = await Promise.allSettled(seeders.map(s => unchokedPeer(s.port, fx.infoHash)))
  const peers = dialled.flatMap(d => (d.status === 'fulfilled' ? [d.value] : []))
  const failed = dialled.find((d): d is PromiseRejectedResult => d.status === 'rejected')
  try {
    if (failed !== undefined) throw failed.reason
    const t0 = performance.now()
    await fetchEvenly(peers, blocksOf(fx, 0, plan.probeBytes), fx, plan.timeoutMs)
    const t1 = performance.now()
    await fetchEvenly(peers, blocksOf(fx, plan.seekAt, plan.probeBytes), fx, plan.timeoutMs)
    const t2 = performance.now()
    return { startupSec: (t1 - t0) / 1000, seekSec: (t2 - t1) / 1000 }
  } finally {
    for (const p of peers) p.close('oracle client run over')
  }
}

/** Every block of the pieces that `length` bytes at `offset` lie in: what a verified read of them needs. */
function blocksOf(fx: TorrentFixture, offset: number, length: number): Block[] {
  const first = Math.floor(offset / fx.pieceLength)
  const last = Math.floor((Math.min(offset + length, fx.totalLength) - 1) / fx.pieceLength)
  const blocks: Block[] = []
  for (let piece = first; piece <= last; piece++) {
    const pieceLength = Math.min(fx.pieceLength, fx.totalLength - piece * fx.pieceLength)
    for (let block = 0; block * BLOCK_LENGTH < pieceLength; block++) {
      blocks.push({ piece, offset: block * BLOCK_LENGTH, length: blockLength(pieceLength, block) })
    }
  }
  return blocks
}

/**
 * Asks peer i for the i-th contiguous share of `blocks`, all at once; resolves when every
 * block is in and checked. A block a choke drops is asked again of the same peer once it unchokes.
 */
function fetchEvenly(peers: PeerConnection[], blocks: Block[], fx: TorrentFixture, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = blocks.length
    let settled = false
    const droppedByChoke = new Map<PeerConnection, Block[]>()
    const retry = new Map(peers.map(p => [p, (): void => {
      const dropped = droppedByChoke.get(p) ?? []
      droppedByChoke.delete(p)
      for (const b of dropped) ask(p, b)
    }]))
    const finish = (err?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      for (const [p, onUnchoke] of retry) p.wire.off('unchoke', onUnchoke)
      if (err === undefined) resolve()
      else reject(err)
    }
    const timer = setTimeout(() => finish(new Error(`oracle client: ${pending} of ${blocks.length} blocks missing after ${timeoutMs} ms`)), timeoutMs)
    for (const [p, onUnchoke] of retry) p.wire.on('unchoke', onUnchoke)
    function ask (peer: PeerConnection, b: Block): void {
      peer.wire.request(b.piece, b.offset, b.length, (err, data) => {
        if (settled) return
        if (err !== null && peer.wire.peerChoking && !peer.closed) {
          droppedByChoke.set(peer, [...(droppedByChoke.get(peer) ?? []), b])
          return
        }
        if (err !== null || data === undefined) return finish(new Error(`oracle client: ${peer.address} dropped block ${b.piece}/${b.offset}: ${err?.message ?? 'no data'}`))
        if (!Buffer.from(data).equals(fx.expectedBytes(0, b.piece * fx.pieceLength + b.offset, b.length))) {
          return finish(new Error(`oracle client: ${peer.address} sent wrong bytes for block ${b.piece}/${b.offset}`))
        }
        if (--pending === 0) finish()
      })
    }
    const share = Math.ceil(blocks.length / peers.length)
    blocks.forEach((b, i) => ask(peers[Math.floor(i / share)] as PeerConnection, b))
  })
}

/** A wire to 127.0.0.1:`port`, handshaken, interested and unchoked. */
function unchokedPeer(port: number, infoHash: string): Promise<PeerConnection> {
  return new Promise((resolve, reject) => {
    const address = `127.0.0.1:${port}`
    const peer = new PeerConnection({ socket: connect(port, '127.0.0.1'), direction: 'outgoing', address, ourPeerId: randomBytes(20) })
    const timer = setTimeout(() => fail(`no unchoke in ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS)
    function fail (why: string): void {
      clearTimeout(timer)
      peer.close(why)
      reject(new Error(`oracle client: ${address}: ${why}`))
    }
    peer.on('closed', reason => fail(reason))
    peer.on('handshake', () => peer.wire.interested())
    peer.wire.on('unchoke', () => {
      clearTimeout(timer)
      peer.removeAllListeners('closed')
      resolve(peer)
    })
    peer.sendHandshake(infoHash, {})
  })
}
