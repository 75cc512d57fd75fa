/**
 * A whole 10,000-piece download through the picker, one block at a time, as the engine drives it:
 * once as plain rarest-first, once streaming, with a context and a sliding window of deadlines.
 * No timing is asserted: this only shows the cached order copes with many `next` calls.
 * Invariants are checked every few thousand operations, since each check walks every piece.
 */
import t from 'tap'
import { BLOCK_BYTES, PiecePicker, type BlockRequest, type PickContext } from '../../src/picker/index.js'
import { MapMediator, name, seededRandom } from './setup.js'

const PIECES = 10_000
const BLOCKS = 4
const DEPTH = 8
/** Pieces past the first missing one that have deadlines, when streaming. */
const WINDOW = 32

for (const streaming of [false, true]) {
  t.test(`downloads a 10,000-piece torrent block by block from several peers${streaming ? ', streaming' : ''}`, async t => {
    const rng = seededRandom(42)
    const mediator = new MapMediator({
      have: '0'.repeat(PIECES),
      blocks: String(BLOCKS).repeat(PIECES - 1) + '1'
    })
    const picker = new PiecePicker({ mediator, random: seededRandom(1) })
    const bitfields = new Map<string, Uint8Array>()
    for (const peer of ['a', 'b', 'c']) {
      const bits = Uint8Array.from({ length: PIECES }, () => rng() < 0.6 ? 1 : 0)
      bitfields.set(peer, bits)
      picker.onPeerBitfield(peer, piece => bits[piece] === 1)
    }
    picker.onPeerHaveAll('seed')
    const peers = ['a', 'b', 'c', 'seed']
    const queues = new Map<string, BlockRequest[]>(peers.map(peer => [peer, []]))
    const received = new Uint8Array(PIECES)
    const requested = new Set<string>()
    let verified = 0
    let calls = 0
    let duplicates = 0
    let playhead = 0
    let now = 0
    // Peers deliver one block per round; a round is 10 ms, so each runs at 100 blocks a second.
    const context: PickContext = {
      get now () { return now },
      peer: id => ({ rate: 100 * BLOCK_BYTES, queuedBytes: (queues.get(id)?.length ?? 0) * BLOCK_BYTES, snubbed: false })
    }
    // Playback is anchored in time: piece p is needed 40 ms after piece p - 1, 100 ms after the start.
    mediator.deadlines = new Array<number | undefined>(PIECES).fill(undefined)
    const slideWindow = (): void => {
      while (playhead < PIECES && mediator.clientHasPiece(playhead)) playhead++
      mediator.deadlines.fill(undefined)
      for (let piece = playhead; piece < Math.min(PIECES, playhead + WINDOW); piece++) mediator.deadlines[piece] = 100 + piece * 40
      for (const { peer, req } of picker.onDeadlinesChanged(now)) {
        const queue = queues.get(peer)!
        queue.splice(queue.findIndex(r => r.piece === req.piece && r.block === req.block), 1)
        requested.delete(`${peer} ${name(req)}`)
      }
    }
    if (streaming) slideWindow()

    for (let round = 0; verified < PIECES; round++, now += 10) {
      if (round > PIECES * BLOCKS * 2) break
      for (const peer of peers) {
        const queue = queues.get(peer)!
        const picks = picker.next(peer, DEPTH - queue.length, streaming ? context : undefined)
        calls++
        for (const req of picks) {
          if (!picker.peerHas(peer, req.piece) || mediator.clientHasPiece(req.piece)) t.fail(`bad pick ${name(req)} for ${peer}`)
          const key = `${peer} ${name(req)}`
          if (requested.has(key)) duplicates++
          requested.add(key)
          queue.push(req)
        }
        const req = queue.shift()
        if (req === undefined) continue
        requested.delete(`${peer} ${name(req)}`)
        for (const other of picker.onGotBlock(peer, req)) {
          const theirs = queues.get(other)!
          theirs.splice(theirs.findIndex(r => r.piece === req.piece && r.block === req.block), 1)
          requested.delete(`${other} ${name(req)}`)
        }
        if (++received[req.piece]! === mediator.blockCount(req.piece)) {
          mediator.have.add(req.piece)
          picker.onPieceVerified(req.piece)
          verified++
          // Peers announce pieces as they get them, which keeps availability (and the order) moving.
          for (const [other, bits] of bitfields) {
            const piece = Math.floor(rng() * PIECES)
            if (bits[piece] === 0) { bits[piece] = 1; picker.onGotHave(other, piece) }
          }
          if (streaming && req.piece === playhead) slideWindow()
        }
        if (calls % 5000 === 0) picker.assertInvariants()
      }
    }
    picker.assertInvariants()
    t.equal(verified, PIECES, 'every piece verified')
    t.equal(duplicates, 0, 'no peer was asked for a block it already had in flight')
    t.ok(calls > PIECES * BLOCKS / peers.length, `${calls} calls to next`)
    t.same(peers.flatMap(peer => picker.inFlight(peer)), [], 'nothing left in flight')
    t.notOk(picker.isEndgame())
  })
}
