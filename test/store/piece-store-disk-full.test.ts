import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DiskFullError } from '../../src/errors.js'
import { createPieceStore } from '../../src/store/index.js'
import { initFor, syntheticTorrent, tempDir } from './fixtures/synthetic-torrent.js'

t.test('a full disk rejects the piece with DiskFullError and keeps everything verified before', async t => {
  const root = tempDir(t)
  const mountPoint = join(root, 'data')
  mkdirSync(mountPoint)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'pipe' })
  } catch (err) {
    t.plan(0, `skipped: needs root to mount a 256 KiB tmpfs as a full disk (${(err as Error).message.split('\n')[0] ?? ''})`)
    return
  }
  // Teardowns run last-in first-out: this unmount runs before tempDir removes the folder.
  t.teardown(() => execFileSync('umount', ['-l', mountPoint]))

  const torrent = syntheticTorrent({ seed: 1, pieceLength: 16 * 1024, files: [['Film/video.mp4', 64 * 16 * 1024]] })
  const init = initFor(torrent, root) // the journal lives in root/state, outside the tmpfs
  const store = createPieceStore(init)
  await store.open()
  let full: unknown
  let stored = 0
  for (; stored < store.pieceCount; stored++) {
    try {
      await store.putPiece(stored, torrent.piece(stored))
    } catch (err) {
      full = err
      break
    }
  }
  t.type(full, DiskFullError, `the disk filled up after ${stored} pieces`)
  t.match((full as Error).message, new RegExp(`data dir ${mountPoint} is full.*free space`))
  t.ok(stored > 0 && stored < store.pieceCount)
  t.notOk(store.hasPiece(stored), 'the piece that did not fit is not verified')
  t.equal(store.verifiedCount(), stored)
  for (let i = 0; i < stored; i++) t.same(await store.readPiece(i, 0, torrent.pieceLength), torrent.piece(i), `piece ${i} reads back`)
  await t.rejects(store.putPiece(stored + 1, torrent.piece(stored + 1)), DiskFullError, 'still full')
  await store.close()

  const restarted = createPieceStore(init)
  await restarted.open()
  t.equal(restarted.verifiedCount(), stored, 'a restart still has every piece stored before the disk filled')
  t.same(await restarted.read(0, stored * torrent.pieceLength), torrent.content.subarray(0, stored * torrent.pieceLength),
    'and they pass their re-check')

  execFileSync('mount', ['-o', 'remount,size=2m', mountPoint])
  await restarted.putPiece(stored, torrent.piece(stored))
  t.ok(restarted.hasPiece(stored), 'once space is freed the piece is stored')
  t.same(await restarted.readPiece(stored, 0, torrent.pieceLength), torrent.piece(stored))
  await restarted.close()
})
