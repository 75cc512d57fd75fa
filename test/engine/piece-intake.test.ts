/**
 * PieceIntake: blocks become pieces, pieces go to the store, which checks them; a piece that
 * fails is fetched again and its senders are blamed, and a sender that keeps failing is banned.
 * The store and picker here are stand-ins that record calls: the real ones have tests of their
 * own (test/store, test/picker) and the whole path runs against real peers in swarm.test.ts.
 */
import t from 'tap'
import { silentLogger } from '../../src/log.js'
import { DiskFullError, PieceHashMismatchError } from '../../src/errors.js'
import type { PiecePicker } from '../../src/picker/index.js'
import type { PieceStore } from '../../src/store/index.js'
import { PieceIntake } from '../../src/engine/piece-intake.js'
import { BLOCK_LENGTH } from '../../src/wire/index.js'

const PIECE = 2 * BLOCK_LENGTH
const block = (fill: number): Uint8Array => new Uint8Array(BLOCK_LENGTH).fill(fill)

/** A store whose putPiece answers from `verdict` (undefined: the piece is good). */
function intakeWith (verdict: (piece: number, data: Uint8Array) => Error | undefined): { intake: PieceIntake, events: string[] } {
  const events: string[] = []
  const store = {
    putPiece: async (piece: number, data: Uint8Array) => {
      const err = verdict(piece, data)
      if (err !== undefined) throw err
      events.push(`put ${piece}`)
    }
  } as unknown as PieceStore
  const picker = { onPieceFailed: (piece: number) => events.push(`refetch ${piece}`) } as unknown as PiecePicker
  const intake = new PieceIntake({
    log: silentLogger(),
    picker,
    store,
    pieceSize: () => PIECE,
    stored: piece => events.push(`stored ${piece}`),
    storeFailed: (piece, err) => events.push(`store failed ${piece}: ${err.message}`),
    wakePeers: () => events.push('wake'),
    ban: source => events.push(`ban ${source}`)
  })
  return { intake, events }
}

const settle = async (): Promise<void> => await new Promise(resolve => setImmediate(resolve))

t.test('a complete piece is stored once its last block arrives', async t => {
  const { intake, events } = intakeWith(() => undefined)
  intake.addBlock(3, 0, block(1), 'a')
  await settle()
  t.same(events, [], 'half a piece stays in memory')
  intake.addBlock(3, 1, block(1), 'b')
  await settle()
  t.same(events, ['put 3', 'stored 3'])
  t.equal(intake.hashFailures, 0)
})

t.test('a piece that fails its hash is fetched again; a lone sender is banned on its second bad piece', async t => {
  const { intake, events } = intakeWith((piece, data) => data[0] === 0xff ? new PieceHashMismatchError(`piece ${piece} failed its SHA-1 check`) : undefined)
  for (const piece of [0, 1]) {
    intake.addBlock(piece, 0, block(0xff), 'liar')
    intake.addBlock(piece, 1, block(0xff), 'liar')
    await settle()
  }
  t.same(events, ['refetch 0', 'wake', 'refetch 1', 'ban liar', 'wake'], 'two strikes per piece it sent alone; four and it is out')
  t.equal(intake.hashFailures, 2)
})

t.test('blame for a piece several sources sent is shared: an honest contributor is not banned with the liar', async t => {
  const { intake, events } = intakeWith((piece, data) => data[BLOCK_LENGTH] === 0xff ? new PieceHashMismatchError(`piece ${piece} failed`) : undefined)
  for (const piece of [0, 1, 2, 3]) {
    intake.addBlock(piece, 0, block(1), `honest-${piece}`)
    intake.addBlock(piece, 1, block(0xff), 'liar')
    await settle()
  }
  t.same(events.filter(e => e.startsWith('ban')), ['ban liar'], 'one strike each time: the liar reaches four, each honest peer has one')
})

t.test('a full disk is reported and the piece fetched again, without blaming anyone', async t => {
  const { intake, events } = intakeWith(() => new DiskFullError('no space left on the data disk'))
  intake.addBlock(0, 0, block(1), 'a')
  intake.addBlock(0, 1, block(1), 'a')
  await settle()
  t.same(events, ['refetch 0', 'store failed 0: no space left on the data disk', 'wake'])
  t.equal(intake.hashFailures, 0)
})
