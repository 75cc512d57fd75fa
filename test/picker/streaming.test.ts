/**
 * A simulated playback through the picker, as the engine drives it: sources deliver their queues
 * at their rates in 10 ms ticks, a player consumes pieces in order with a window of deadlines
 * ahead of it, the peers slow down for a while, and the viewer seeks once. Deterministic.
 */
import t from 'tap'
import { BLOCK_BYTES, PiecePicker, type PickContext } from '../../src/picker/index.js'
import { MapMediator, name, seededRandom } from './setup.js'

const PIECES = 400
const BLOCKS = 4
const DEPTH = 6
const TICK = 10
/** Pieces ahead of the play position that have deadlines. */
const WINDOW = 16
/** Playback consumes 10 blocks a second. */
const PIECE_MS = BLOCKS * 100
const SEEK = { at: 40, to: 300 }

interface Source { id: string, rate: number, webSeed: boolean, queue: string[], credit: number, has: (piece: number) => boolean }

interface Run { stallMs: number, verified: number, webSeedBlocks: number, webSeedOutsideDeadlines: number, cancels: number, stale: number, twice: number }

function play (withContext: boolean): Run {
  const rng = seededRandom(3)
  const mediator = new MapMediator({ have: '0'.repeat(PIECES), blocks: String(BLOCKS).repeat(PIECES) })
  const picker = new PiecePicker({ mediator, random: seededRandom(1) })
  const sources: Source[] = [
    { id: 'fast', rate: 16, share: 0.8 },
    { id: 'mid', rate: 8, share: 0.9 },
    { id: 'slow', rate: 2, share: 1 }
  ].map(({ id, rate, share }) => {
    const bits = Uint8Array.from({ length: PIECES }, () => rng() < share ? 1 : 0)
    picker.onPeerBitfield(id, piece => bits[piece] === 1)
    return { id, rate, webSeed: false, queue: [], credit: 0, has: (piece: number) => bits[piece] === 1 }
  })
  sources.push({ id: 'w', rate: 12, webSeed: true, queue: [], credit: 0, has: () => true })
  const byId = new Map(sources.map(source => [source.id, source]))
  const received = new Uint8Array(PIECES)
  const run: Run = { stallMs: 0, verified: 0, webSeedBlocks: 0, webSeedOutsideDeadlines: 0, cancels: 0, stale: 0, twice: 0 }
  let head = 0
  let due = 1000
  let seeked = false
  const setWindow = (now: number): void => {
    mediator.deadlines = Array.from({ length: PIECES }, (_, p) => p >= head && p < head + WINDOW ? due + (p - head) * PIECE_MS : undefined)
    for (const { peer, req } of picker.onDeadlinesChanged(now)) {
      const queue = byId.get(peer)!.queue
      queue.splice(queue.indexOf(name(req)), 1)
      run.stale++
    }
  }
  setWindow(0)
  for (let now = 0; run.verified < PIECES && now < 600_000; now += TICK) {
    // Between 8 s and 14 s the peers' link degrades: only the web seed could keep up.
    const degraded = now >= 8_000 && now < 14_000
    byId.get('fast')!.rate = degraded ? 1 : 16
    byId.get('mid')!.rate = degraded ? 1 : 8
    const context: PickContext = {
      now,
      peer: id => {
        const source = byId.get(id)
        return source && { rate: source.rate * BLOCK_BYTES, queuedBytes: source.queue.length * BLOCK_BYTES, snubbed: false, webSeed: source.webSeed }
      }
    }
    for (const source of sources) {
      for (const req of picker.next(source.id, DEPTH - source.queue.length, withContext ? context : undefined)) {
        if (source.queue.includes(name(req))) run.twice++
        if (source.webSeed && mediator.pieceDeadline(req.piece) === undefined) run.webSeedOutsideDeadlines++
        source.queue.push(name(req))
      }
      source.credit += source.rate * TICK / 1000
      while (source.credit >= 1 && source.queue.length > 0) {
        source.credit--
        const [piece, block] = source.queue.shift()!.split('.').map(Number) as [number, number]
        if (source.webSeed) run.webSeedBlocks++
        for (const other of picker.onGotBlock(source.id, { piece, block })) {
          const queue = byId.get(other)!.queue
          queue.splice(queue.indexOf(`${piece}.${block}`), 1)
          run.cancels++
        }
        if (++received[piece]! === BLOCKS) {
          mediator.have.add(piece)
          picker.onPieceVerified(piece)
          run.verified++
        }
      }
      if (source.queue.length === 0) source.credit = Math.min(source.credit, 1)
    }
    // The player takes the piece at its play position once it is both due and verified.
    let moved = false
    while (head < PIECES && now >= due && mediator.clientHasPiece(head)) {
      if (!seeked && head === SEEK.at) {
        seeked = true
        head = SEEK.to
        due = now + 1000
      } else {
        head++
        due += PIECE_MS
      }
      moved = true
    }
    if (head < PIECES && now >= due && !mediator.clientHasPiece(head)) {
      run.stallMs += TICK
      due += TICK
      moved = true
    }
    if (moved) setWindow(now)
    if (now % 5_000 === 0) picker.assertInvariants()
  }
  picker.assertInvariants()
  return run
}

t.test('streams a torrent with a seek: deadlines met by fast peers, web seed only as a fallback', async t => {
  const run = play(true)
  t.equal(run.verified, PIECES, 'every piece verified')
  t.equal(run.twice, 0, 'no source was asked twice for one block')
  t.equal(run.webSeedOutsideDeadlines, 0, 'the web seed got only blocks of pieces with deadlines')
  t.ok(run.webSeedBlocks > 0, `the web seed filled in while the peers were slow: ${run.webSeedBlocks} blocks`)
  t.ok(run.cancels > 0, `late blocks were duplicated and the losers cancelled: ${run.cancels}`)
  t.ok(run.stale > 0, `the seek cancelled stale requests: ${run.stale}`)
  const blind = play(false)
  t.equal(blind.verified, PIECES)
  t.ok(run.stallMs < blind.stallMs, `stalls ${run.stallMs} ms with rates and ETAs, ${blind.stallMs} ms with deadlines alone`)
})
