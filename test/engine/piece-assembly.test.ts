import t from 'tap'
import { PieceAssembly } from '../../src/engine/piece-assembly.js'
import { BLOCK_LENGTH } from '../../src/wire/index.js'

const PIECE = 2 * BLOCK_LENGTH
const block = (fill: number): Uint8Array => new Uint8Array(BLOCK_LENGTH).fill(fill)

t.test('a piece is handed out once its last block arrives, with everyone who sent a part', async t => {
  const assembly = new PieceAssembly(() => PIECE)
  t.equal(assembly.addBlock(0, 1, block(2), 'b'), undefined)
  t.equal(assembly.addBlock(0, 1, block(9), 'c'), undefined, 'a duplicate block changes nothing')
  const done = assembly.addBlock(0, 0, block(1), 'a')
  t.ok(done)
  t.same([...done?.contributors ?? []].sort(), ['a', 'b'])
  t.equal(done?.data[0], 1)
  t.equal(done?.data[PIECE - 1], 2)
  t.equal(assembly.size, 0)
  t.throws(() => assembly.addBlock(3, 2, block(0), 'a'), RangeError, 'a block past the piece\'s end is a caller bug, not a hole to fill')
})

t.test('a partial piece holds only the blocks it has received, and a short last block fits exactly', async t => {
  const MiB = 1024 * 1024
  const sizes = (piece: number): number => piece === 9 ? BLOCK_LENGTH + 100 : MiB
  const assembly = new PieceAssembly(sizes)
  for (let piece = 0; piece < 9; piece++) assembly.addBlock(piece, 3, block(piece), 'webseed')
  t.equal(assembly.bufferedBytes(), 9 * BLOCK_LENGTH, 'nine pieces begun, one block each: 144 KiB, not 9 MiB')
  assembly.drop(4)
  t.equal(assembly.bufferedBytes(), 8 * BLOCK_LENGTH)
  t.equal(assembly.addBlock(9, 1, new Uint8Array(100).fill(8), 'a'), undefined)
  const last = assembly.addBlock(9, 0, block(7), 'b')
  t.same([last?.data.length, last?.data[0], last?.data[BLOCK_LENGTH - 1], last?.data[BLOCK_LENGTH], last?.data[BLOCK_LENGTH + 99]],
    [BLOCK_LENGTH + 100, 7, 7, 8, 8])
})

t.test('completed pieces count as storing until released; dropped partial pieces never do', async t => {
  const assembly = new PieceAssembly(() => PIECE)
  assembly.addBlock(0, 0, block(0), 'a')
  const first = assembly.addBlock(0, 1, block(0), 'a')
  assembly.addBlock(1, 0, block(0), 'a')
  const second = assembly.addBlock(1, 1, block(0), 'a')
  t.equal(assembly.storingBytes, 2 * PIECE, 'two pieces wait for the disk')
  assembly.addBlock(2, 0, block(0), 'a')
  assembly.drop(2)
  t.equal(assembly.storingBytes, 2 * PIECE, 'an abandoned partial piece was never storing')
  if (first === undefined || second === undefined) throw new Error('pieces did not complete')
  assembly.release(first.data)
  t.equal(assembly.storingBytes, PIECE)
  assembly.release(second.data)
  t.equal(assembly.storingBytes, 0)
})

t.test('released buffers are reused for the next piece', async t => {
  const assembly = new PieceAssembly(() => PIECE)
  assembly.addBlock(0, 0, block(0), 'a')
  const done = assembly.addBlock(0, 1, block(0), 'a')
  if (done === undefined) throw new Error('piece did not complete')
  assembly.release(done.data)
  assembly.addBlock(5, 0, block(7), 'a')
  const next = assembly.addBlock(5, 1, block(7), 'a')
  t.equal(next?.data.buffer, done.data.buffer, 'same memory, no new allocation')
})

t.test('6 MiB of completed pieces waiting for the disk is a backlog; the release that ends it says so', async t => {
  const MiB = 1024 * 1024
  const assembly = new PieceAssembly(() => MiB)
  const stored: Buffer[] = []
  for (let piece = 0; piece < 6; piece++) {
    for (let block = 0; block < MiB / BLOCK_LENGTH; block++) {
      const done = assembly.addBlock(piece, block, new Uint8Array(BLOCK_LENGTH), 'a')
      if (done !== undefined) stored.push(done.data)
    }
  }
  t.equal(assembly.backlogged, true)
  t.equal(assembly.release(stored[0] as Buffer), true, 'back under the bound: peers may ask again')
  t.equal(assembly.backlogged, false)
  t.equal(assembly.release(stored[1] as Buffer), false, 'no backlog ended')
})
