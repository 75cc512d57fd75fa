import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import * as fsp from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { AbortedError, PieceHashMismatchError, PieceNotAvailableError } from '../../src/errors.js'
import { createPieceStore } from '../../src/store/index.js'
import { initFor, syntheticTorrent, tempDir } from './fixtures/synthetic-torrent.js'

t.test('a single-file torrent is written at its path and read back piece by piece', async t => {
  const torrent = syntheticTorrent({ seed: 1, pieceLength: 1024, files: [['movie.mp4', 10 * 1024 + 300]] })
  const root = tempDir(t)
  const store = createPieceStore(initFor(torrent, root))
  await store.open()
  t.equal(store.pieceCount, 11)
  for (let i = store.pieceCount - 1; i >= 0; i--) await store.putPiece(i, torrent.piece(i))
  t.equal(store.verifiedCount(), 11)
  t.same(readFileSync(join(root, 'data', 'movie.mp4')), torrent.content)
  t.same(await store.read(1000, 2000), torrent.content.subarray(1000, 3000))
  t.same(await store.readPiece(10, 100, 200), torrent.content.subarray(10 * 1024 + 100, 10 * 1024 + 300))
  t.same(await store.read(5, 0), new Uint8Array(0))
  await store.close()
})

t.test('a piece spanning three files is split across them and zero-length files exist', async t => {
  const torrent = syntheticTorrent({
    seed: 2,
    pieceLength: 64,
    files: [['Show/a.txt', 40], ['Show/empty-1', 0], ['Show/sub/b.bin', 10], ['Show/c.bin', 100], ['Show/empty-2', 0]]
  })
  const root = tempDir(t)
  const store = createPieceStore(initFor(torrent, root))
  await store.open()
  t.equal(statSync(join(root, 'data', 'Show/empty-1')).size, 0, 'zero-length file created on open')
  t.equal(statSync(join(root, 'data', 'Show/empty-2')).size, 0)
  t.notOk(existsSync(join(root, 'data', 'Show/a.txt')), 'data files are created on first write')

  await store.putPiece(0, torrent.piece(0)) // bytes 0..63: a.txt, sub/b.bin and the start of c.bin
  t.same(readFileSync(join(root, 'data', 'Show/a.txt')), torrent.content.subarray(0, 40))
  t.same(readFileSync(join(root, 'data', 'Show/sub/b.bin')), torrent.content.subarray(40, 50))
  t.same(readFileSync(join(root, 'data', 'Show/c.bin')), torrent.content.subarray(50, 64))
  t.same(await store.read(30, 30), torrent.content.subarray(30, 60))

  await store.putPiece(2, torrent.piece(2)) // last, short piece: the tail of c.bin, written sparse
  const c = readFileSync(join(root, 'data', 'Show/c.bin'))
  t.equal(c.length, 100)
  t.same(c.subarray(78), torrent.content.subarray(128, 150))
  t.same(await store.read(128, 22), torrent.content.subarray(128))
  await store.close()
})

t.test('pieces stored concurrently into new files all land intact', async t => {
  const torrent = syntheticTorrent({ seed: 8, pieceLength: 100, files: [['x/a', 250], ['x/b', 333], ['x/c', 417]] })
  const root = tempDir(t)
  const store = createPieceStore(initFor(torrent, root, { maxOpenFiles: 2 }))
  await store.open()
  const pieces = Array.from({ length: store.pieceCount }, (_, i) => i)
  await Promise.all(pieces.map(async i => await store.putPiece(i, torrent.piece(i))))
  await Promise.all(pieces.map(async i => await store.putPiece(i, torrent.piece(i)))) // again: a no-op
  t.equal(store.verifiedCount(), 10)
  t.same(Buffer.concat(['a', 'b', 'c'].map(f => readFileSync(join(root, 'data', 'x', f)))), torrent.content)
  const reads = await Promise.all(pieces.map(async i => await store.readPiece(i, 0, torrent.piece(i).length)))
  t.same(Buffer.concat(reads), torrent.content)
  await store.close()
})

t.test('the bitfield is MSB first and counts only verified pieces', async t => {
  const torrent = syntheticTorrent({ seed: 3, pieceLength: 16, files: [['f', 16 * 10]] })
  const store = createPieceStore(initFor(torrent, tempDir(t)))
  await store.open()
  await store.putPiece(0, torrent.piece(0))
  await store.putPiece(9, torrent.piece(9))
  t.same([...store.bitfield()], [0x80, 0x40])
  t.ok(store.hasPiece(9))
  t.notOk(store.hasPiece(1))
  t.notOk(store.hasPiece(10), 'a piece past the end is not had')
  store.bitfield()[0] = 0
  t.ok(store.hasPiece(0), 'the returned bitfield is a copy')
  await store.close()
})

t.test('a piece that fails its hash check is rejected and nothing is stored', async t => {
  const torrent = syntheticTorrent({ seed: 4, pieceLength: 32, files: [['a', 20], ['b', 44]] })
  const root = tempDir(t)
  const store = createPieceStore(initFor(torrent, root))
  await store.open()
  const bad = Buffer.from(torrent.piece(0))
  bad[5] = (bad[5] ?? 0) ^ 1
  await t.rejects(store.putPiece(0, bad), PieceHashMismatchError)
  t.notOk(store.hasPiece(0))
  t.equal(store.verifiedCount(), 0)
  t.notOk(existsSync(join(root, 'data', 'a')), 'no file was created')
  t.notOk(existsSync(join(root, 'data', 'b')))
  await t.rejects(store.putPiece(0, torrent.piece(1)), PieceHashMismatchError, 'another piece\'s bytes do not count either')
  await store.flush()
  await store.close()
  const again = createPieceStore(initFor(torrent, root))
  await again.open()
  t.equal(again.verifiedCount(), 0)
  await again.close()
})

t.test('reading a piece that is not verified fails with a clear error', async t => {
  const torrent = syntheticTorrent({ seed: 5, pieceLength: 32, files: [['a', 100]] })
  const store = createPieceStore(initFor(torrent, tempDir(t)))
  await store.open()
  await store.putPiece(0, torrent.piece(0))
  await t.rejects(store.read(10, 40), PieceNotAvailableError, 'a range reaching into piece 1')
  await t.rejects(store.readPiece(2, 0, 4), { name: 'PieceNotAvailableError', message: /piece 2 is not verified/ })
  await t.rejects(store.read(90, 20), RangeError, 'past the end of the torrent')
  await t.rejects(store.readPiece(0, 30, 4), RangeError, 'past the end of the piece')
  await t.rejects(store.putPiece(0, torrent.piece(0).subarray(1)), RangeError, 'a piece of the wrong length')
  await store.close()
  await t.rejects(store.read(0, 4), AbortedError, 'the store is closed')
  await t.rejects(store.putPiece(1, torrent.piece(1)), AbortedError)
})

/** A StoreFs that counts the bytes read through its file handles. */
function countingFs (): { fs: typeof fsp, bytesRead: () => number } {
  let bytesRead = 0
  const fs = {
    ...fsp,
    open: async (...args: Parameters<typeof fsp.open>) => {
      const handle = await fsp.open(...args)
      const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<{ bytesRead: number }>
      Object.assign(handle, { read: async (...a: unknown[]) => { const r = await read(...a); bytesRead += r.bytesRead; return r } })
      return handle
    }
  }
  return { fs, bytesRead: () => bytesRead }
}

t.test('data already on disk is adopted when it matches; pieces past a file\'s end are skipped unread', async t => {
  const torrent = syntheticTorrent({ seed: 12, pieceLength: 100, files: [['f/a', 250], ['f/b', 350]] })
  const root = tempDir(t)
  mkdirSync(join(root, 'data', 'f'), { recursive: true })
  writeFileSync(join(root, 'data', 'f', 'a'), torrent.content.subarray(0, 250)) // pieces 0, 1, and 2's first half
  writeFileSync(join(root, 'data', 'f', 'b'), Buffer.alloc(100, 7)) // 100 wrong bytes: piece 2's second half and half of 3
  const counting = countingFs()
  const store = createPieceStore(initFor(torrent, root, { fs: counting.fs }))
  await store.open()
  const adopted = []
  for (let piece = 0; piece < store.pieceCount; piece++) adopted.push(await store.adoptExisting(piece))
  t.same(adopted, [true, true, false, false, false, false], 'piece 2 does not match its hash; 3..5 lie past the end of f/b')
  t.equal(counting.bytesRead(), 300, 'read: pieces 0, 1 and 2, nothing of 3..5')
  t.same(await store.read(0, 200), torrent.content.subarray(0, 200))
  t.equal(store.verifiedCount(), 2)
  await store.close()
})

t.test('nothing is read to adopt from a file the store created itself, even where it now reaches', async t => {
  const torrent = syntheticTorrent({ seed: 13, pieceLength: 100, files: [['f/b', 350]] })
  const root = tempDir(t)
  const counting = countingFs()
  const store = createPieceStore(initFor(torrent, root, { fs: counting.fs }))
  await store.open()
  await store.putPiece(3, torrent.piece(3)) // creates f/b, 350 bytes long, holes before piece 3
  t.same([await store.adoptExisting(0), await store.adoptExisting(1), await store.adoptExisting(2)], [false, false, false])
  t.equal(counting.bytesRead(), 0)
  await store.close()
})

t.test('destroy deletes the journal and, unless told to keep it, the data', async t => {
  const torrent = syntheticTorrent({
    seed: 6, pieceLength: 32, files: [['Film/video.mp4', 64], ['Film/extra/notes.txt', 10], ['Film/e', 0]]
  })
  const root = tempDir(t)
  const init = initFor(torrent, root)
  const kept = createPieceStore(init)
  await kept.open()
  for (let i = 0; i < kept.pieceCount; i++) await kept.putPiece(i, torrent.piece(i))
  await kept.flush()
  t.ok(existsSync(init.resumeFile))
  await kept.destroy({ keepData: true })
  t.notOk(existsSync(init.resumeFile))
  t.same(readFileSync(join(root, 'data', 'Film/video.mp4')), torrent.content.subarray(0, 64))

  const gone = createPieceStore(init)
  await gone.open()
  t.equal(gone.verifiedCount(), 0, 'the journal went with the first store')
  await gone.putPiece(0, torrent.piece(0))
  await gone.destroy({ keepData: false })
  t.notOk(existsSync(join(root, 'data', 'Film')), 'files and the folders they emptied are gone')
  t.ok(existsSync(join(root, 'data')), 'the data dir itself stays')
})

t.test('no more than maxOpenFiles descriptors are open at once', async t => {
  const files = Array.from({ length: 12 }, (_, i): [string, number] => [`f${i}`, 7])
  const torrent = syntheticTorrent({ seed: 7, pieceLength: 10, files })
  const { open } = await import('node:fs/promises')
  let openNow = 0
  let peak = 0
  const fs = {
    ...(await import('node:fs/promises')),
    open: async (...args: Parameters<typeof open>) => {
      const handle = await open(...args)
      peak = Math.max(peak, ++openNow)
      const close = handle.close.bind(handle)
      handle.close = async () => { openNow--; await close() }
      return handle
    }
  }
  const store = createPieceStore(initFor(torrent, tempDir(t), { fs, maxOpenFiles: 3 }))
  await store.open()
  for (let i = 0; i < store.pieceCount; i++) await store.putPiece(i, torrent.piece(i))
  t.same(await store.read(0, torrent.content.length), torrent.content)
  t.ok(peak <= 3, `peak ${peak} open`)
  await store.close()
  t.equal(openNow, 0, 'close releases every descriptor')
})
