import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import * as fsp from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { PieceHashMismatchError, PieceNotAvailableError, StorageError } from '../../src/errors.js'
import { createPieceStore, type PieceStoreInit, type StoreFs } from '../../src/store/index.js'
import { initFor, syntheticTorrent, tempDir, type SyntheticTorrent } from './fixtures/synthetic-torrent.js'

async function storeWith (torrent: SyntheticTorrent, init: PieceStoreInit, pieces: number[]): Promise<void> {
  const store = createPieceStore(init)
  await store.open()
  for (const piece of pieces) await store.putPiece(piece, torrent.piece(piece))
  await store.close()
}

async function reopen (init: PieceStoreInit): Promise<ReturnType<typeof createPieceStore>> {
  const store = createPieceStore(init)
  await store.open()
  return store
}

/** An fs layer that logs fsyncs and renames (by path) and can fail fsync of data files. */
function recordingFs (failDataSync = false): { fs: StoreFs, events: string[] } {
  const events: string[] = []
  const fs: StoreFs = {
    ...fsp,
    open: async (...args: Parameters<typeof fsp.open>) => {
      const handle = await fsp.open(...args)
      const path = String(args[0])
      const sync = handle.sync.bind(handle)
      handle.sync = async () => {
        if (failDataSync && path.includes('/data/')) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })
        await sync()
        events.push(`sync ${path}`)
      }
      return handle
    },
    rename: async (from, to) => {
      await fsp.rename(from, to)
      events.push(`rename ${String(from)} -> ${String(to)}`)
    }
  }
  return { fs, events }
}

t.test('a new store over the same dir keeps the verified pieces without re-hashing them', async t => {
  const torrent = syntheticTorrent({ seed: 1, pieceLength: 64, files: [['a', 100], ['b', 300]] })
  const init = initFor(torrent, tempDir(t))
  await storeWith(torrent, init, [0, 2, 6])
  const store = await reopen(init)
  t.same([0, 1, 2, 3, 4, 5, 6].filter(i => store.hasPiece(i)), [0, 2, 6])
  t.equal(store.verifiedCount(), 3)
  t.same(await store.read(128, 64), torrent.piece(2))
  t.same(await store.readPiece(6, 0, 16), torrent.piece(6))
  await store.close()
})

t.test('the journal is renamed into place only after the touched data files and the journal are fsynced', async t => {
  const torrent = syntheticTorrent({ seed: 2, pieceLength: 64, files: [['a', 100], ['b', 100], ['c', 100]] })
  const root = tempDir(t)
  const { fs, events } = recordingFs()
  const init = initFor(torrent, root, { fs })
  const store = createPieceStore(init)
  await store.open()
  await store.putPiece(0, torrent.piece(0)) // a
  await store.putPiece(4, torrent.piece(4)) // c
  await store.putPiece(1, torrent.piece(1)) // a and b
  await store.flush()
  const dataFile = (name: string): string => join(root, 'data', name)
  const journalSteps = [
    `sync ${init.resumeFile}.tmp`,
    `rename ${init.resumeFile}.tmp -> ${init.resumeFile}`,
    `sync ${join(root, 'state')}`
  ]
  t.same(events.slice(-3), journalSteps, 'the journal last: its tmp file, the rename, its folder')
  t.same(events.slice(0, -3).sort(), [
    `sync ${root}`, // the data dir's entry, as it was created too
    `sync ${join(root, 'data')}`,
    `sync ${dataFile('a')}`,
    `sync ${dataFile('b')}`,
    `sync ${dataFile('c')}`
  ], 'first every data file the pieces touched and, as they are new, their folder')
  events.length = 0
  await store.flush()
  t.same(events, [], 'nothing new: no fsync, no journal write')
  await store.putPiece(3, torrent.piece(3)) // b and c again, no longer new
  await store.flush()
  t.same(events.slice(0, -3).sort(), [`sync ${dataFile('b')}`, `sync ${dataFile('c')}`], 'existing files need no folder fsync')
  t.same(events.slice(-3), journalSteps)
  await store.close()
})

t.test('when fsync of the data fails no journal claims the pieces', async t => {
  const torrent = syntheticTorrent({ seed: 3, pieceLength: 64, files: [['a', 256]] })
  const root = tempDir(t)
  const { fs } = recordingFs(true)
  const init = initFor(torrent, root, { fs })
  const store = createPieceStore(init)
  await store.open()
  await store.putPiece(1, torrent.piece(1))
  await t.rejects(store.flush(), { name: 'StorageError', message: /syncing .*\/data\/a failed: EIO/ })
  t.ok(store.hasPiece(1), 'the piece stays verified in this process')
  t.notOk(existsSync(init.resumeFile))
  await t.rejects(store.close(), StorageError, 'close reports the failed flush')
  const again = await reopen(initFor(torrent, root))
  t.equal(again.verifiedCount(), 0)
  await again.close()
})

t.test('verified pieces are flushed on their own after flushDelayMs or flushEveryPieces', async t => {
  const torrent = syntheticTorrent({ seed: 4, pieceLength: 16, files: [['a', 16 * 8]] })
  const root = tempDir(t)
  const timed = createPieceStore(initFor(torrent, root, { flushDelayMs: 20 }))
  await timed.open()
  await timed.putPiece(0, torrent.piece(0))
  const init = initFor(torrent, root)
  for (let i = 0; i < 100 && !existsSync(init.resumeFile); i++) await sleep(10)
  const probe = await reopen(init)
  t.ok(probe.hasPiece(0), 'journaled by the timer')
  await probe.close()
  await timed.close()

  const counted = createPieceStore(initFor(torrent, root, { flushEveryPieces: 3 }))
  await counted.open()
  for (const piece of [1, 2, 3]) await counted.putPiece(piece, torrent.piece(piece))
  let journaled = 0
  for (let i = 0; i < 100 && journaled < 4; i++) {
    await sleep(10)
    const view = await reopen(init)
    journaled = view.verifiedCount()
    await view.close()
  }
  t.equal(journaled, 4, 'journaled once three pieces waited')
  await counted.close()
})

t.test('a torn, corrupt or foreign journal is ignored and the store starts empty', async t => {
  const torrent = syntheticTorrent({ seed: 5, pieceLength: 64, files: [['a', 640]] })
  const root = tempDir(t)
  const init = initFor(torrent, root)
  await storeWith(torrent, init, [0, 1, 2, 3])
  const good = readFileSync(init.resumeFile)

  const variants: Array<[string, Buffer]> = [
    ['torn halfway', good.subarray(0, Math.floor(good.length / 2))],
    ['torn by one byte', good.subarray(0, good.length - 1)],
    ['empty', Buffer.alloc(0)],
    ['a flipped bit in the bitfield', Buffer.from(good.map((b, i) => i === good.length - 21 ? b ^ 0x01 : b))],
    ['a flipped bit in the checksum', Buffer.from(good.map((b, i) => i === good.length - 1 ? b ^ 0x80 : b))],
    ['garbage', Buffer.from('not a journal at all, just some bytes that are long enough')]
  ]
  for (const [what, bytes] of variants) {
    writeFileSync(init.resumeFile, bytes)
    const store = await reopen(init)
    t.equal(store.verifiedCount(), 0, what)
    await store.close()
  }

  writeFileSync(init.resumeFile, good)
  const other = syntheticTorrent({ seed: 6, pieceLength: 64, files: [['a', 640]] })
  const foreign = await reopen({ ...initFor(other, root), resumeFile: init.resumeFile })
  t.equal(foreign.verifiedCount(), 0, 'a journal of another info hash')
  await foreign.close()
  writeFileSync(init.resumeFile, good)
  const resized = await reopen({ ...init, files: [{ path: 'a', length: 639, offset: 0 }] })
  t.equal(resized.verifiedCount(), 0, 'a journal for other file lengths')
  await resized.close()
  writeFileSync(init.resumeFile, good)
  const back = await reopen(init)
  t.equal(back.verifiedCount(), 4, 'the intact journal still counts')
  await back.close()
})

t.test('a file truncated or deleted between runs drops the pieces it no longer holds', async t => {
  const torrent = syntheticTorrent({ seed: 7, pieceLength: 64, files: [['a', 200], ['b', 200], ['c', 50]] })
  const root = tempDir(t)
  const init = initFor(torrent, root)
  await storeWith(torrent, init, [0, 1, 2, 3, 4, 5, 6, 7])
  truncateSync(join(root, 'data', 'b'), 100) // b's bytes 100.. are torrent bytes 300..400: pieces 4, 5, 6
  rmSync(join(root, 'data', 'c')) // torrent bytes 400..450: pieces 6, 7
  const lost: number[] = []
  const store = await reopen(init)
  store.onPieceLost(piece => lost.push(piece))
  t.same([0, 1, 2, 3, 4, 5, 6, 7].filter(i => store.hasPiece(i)), [0, 1, 2, 3])
  t.same(await store.read(0, 256), torrent.content.subarray(0, 256))
  await store.close()
  t.same(lost, [], 'dropped at open, before anyone listened')
  truncateSync(join(root, 'data', 'a'), 150) // pieces 2 and 3
  const again = await reopen(init)
  t.same([0, 1, 2, 3, 4, 5, 6, 7].filter(i => again.hasPiece(i)), [0, 1], 'the shrunken journal was saved')
  await again.close()
})

t.test('a journaled piece whose bytes changed on disk fails its first read and is reported lost', async t => {
  const torrent = syntheticTorrent({ seed: 8, pieceLength: 64, files: [['a', 100], ['b', 156]] })
  const root = tempDir(t)
  const init = initFor(torrent, root)
  await storeWith(torrent, init, [0, 1, 2, 3])
  const b = readFileSync(join(root, 'data', 'b'))
  b[80] = (b[80] ?? 0) ^ 0xff // torrent byte 180: piece 2
  writeFileSync(join(root, 'data', 'b'), b)

  const store = await reopen(init)
  const lost: number[] = []
  store.onPieceLost(piece => lost.push(piece))
  t.ok(store.hasPiece(2), 'open trusts the journal (no re-hash at start)')
  await t.rejects(store.read(130, 4), PieceHashMismatchError)
  t.same(lost, [2])
  t.notOk(store.hasPiece(2))
  t.equal(store.verifiedCount(), 3)
  await t.rejects(store.readPiece(2, 0, 4), PieceNotAvailableError, 'later reads say it is missing')
  t.same(await store.readPiece(1, 0, 64), torrent.piece(1), 'neighbours re-check fine')
  await store.putPiece(2, torrent.piece(2))
  t.same(await store.read(128, 64), torrent.piece(2), 'fetched again, it reads back')
  await store.close()
})

t.test('a lost piece stays lost after a restart', async t => {
  const torrent = syntheticTorrent({ seed: 9, pieceLength: 64, files: [['a', 256]] })
  const root = tempDir(t)
  const init = initFor(torrent, root)
  await storeWith(torrent, init, [0, 1, 2, 3])
  const a = readFileSync(join(root, 'data', 'a'))
  a[0] = (a[0] ?? 0) ^ 1
  writeFileSync(join(root, 'data', 'a'), a)
  const store = await reopen(init)
  await t.rejects(store.readPiece(0, 0, 1), PieceHashMismatchError)
  await store.close()
  const again = await reopen(init)
  t.same([0, 1, 2, 3].filter(i => again.hasPiece(i)), [1, 2, 3])
  await again.close()
})

t.test('a file deleted while the store runs loses its pieces on the next read', async t => {
  const torrent = syntheticTorrent({ seed: 10, pieceLength: 64, files: [['a', 128], ['b', 128]] })
  const root = tempDir(t)
  const store = await reopen(initFor(torrent, root, { maxOpenFiles: 1 }))
  const lost: number[] = []
  store.onPieceLost(piece => lost.push(piece))
  for (const piece of [0, 1, 2, 3]) await store.putPiece(piece, torrent.piece(piece))
  await store.read(0, 4) // the only open handle is now a's
  rmSync(join(root, 'data', 'b'))
  await t.rejects(store.read(128, 128), PieceNotAvailableError)
  t.same(lost, [2, 3])
  t.same([...store.bitfield()], [0xc0])
  await store.close()
})

t.test('a journal that cannot be written keeps the previous one and succeeds once space returns', async t => {
  const torrent = syntheticTorrent({ seed: 11, pieceLength: 64, files: [['a', 256]] })
  const root = tempDir(t)
  let full = false
  const fs: StoreFs = {
    ...fsp,
    open: async (...args: Parameters<typeof fsp.open>) => {
      if (full && String(args[0]).endsWith('.tmp')) {
        throw Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC' })
      }
      return await fsp.open(...args)
    }
  }
  const init = initFor(torrent, root, { fs })
  const store = await reopen(init)
  await store.putPiece(0, torrent.piece(0))
  await store.flush()
  full = true
  await store.putPiece(1, torrent.piece(1))
  await t.rejects(store.flush(), { name: 'DiskFullError', message: /disk holding the data dir .*state is full/ })
  const meanwhile = await reopen(initFor(torrent, root))
  t.same([0, 1].filter(i => meanwhile.hasPiece(i)), [0], 'the previous journal is intact')
  await meanwhile.close()
  full = false
  await store.flush()
  await store.close()
  const after = await reopen(initFor(torrent, root))
  t.same([0, 1].filter(i => after.hasPiece(i)), [0, 1], 'the retried flush journaled the waiting piece')
  await after.close()
})

t.test('a file deleted while the store runs and written again loses the pieces it held', async t => {
  const torrent = syntheticTorrent({ seed: 12, pieceLength: 64, files: [['a', 64], ['b', 256]] })
  const root = tempDir(t)
  const store = await reopen(initFor(torrent, root, { maxOpenFiles: 1 }))
  const lost: number[] = []
  store.onPieceLost(piece => lost.push(piece))
  for (const piece of [0, 1, 2]) await store.putPiece(piece, torrent.piece(piece))
  await store.read(0, 4) // the only open handle is now a's
  rmSync(join(root, 'data', 'b'))
  await store.putPiece(4, torrent.piece(4)) // recreates b, sparse: pieces 1 and 2 would read as zeros
  t.same(lost, [1, 2])
  t.same([0, 1, 2, 3, 4].filter(i => store.hasPiece(i)), [0, 4])
  t.same(await store.readPiece(4, 0, 64), torrent.piece(4))
  await store.close()
})
