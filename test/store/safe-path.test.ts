import { existsSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { UnsafePathError } from '../../src/errors.js'
import { assertSafeTorrentPath, createPieceStore } from '../../src/store/index.js'
import { initFor, syntheticTorrent, tempDir } from './fixtures/synthetic-torrent.js'

const unsafe: Array<[string, string]> = [
  ['../x', 'a parent segment'],
  ['a/../../b', 'a parent segment in the middle'],
  ['a/..', 'a trailing parent segment'],
  ['/etc/passwd', 'an absolute path'],
  ['C:\\x', 'a drive letter with a backslash'],
  ['C:/x', 'a drive letter with a slash'],
  ['c:x', 'a drive-relative path'],
  ['a\\..\\b', 'backslashes used as separators'],
  ['..\\x', 'a backslash parent'],
  ['a/b\0.mp4', 'a NUL byte'],
  ['', 'an empty path'],
  ['a//b', 'an empty segment'],
  ['a/', 'a trailing slash'],
  ['./a', 'a dot segment'],
  ['.', 'a lone dot']
]

t.test('unsafe torrent paths are refused', async t => {
  for (const [path, what] of unsafe) {
    t.throws(() => assertSafeTorrentPath(path), UnsafePathError, what)
  }
})

t.test('plain torrent paths are accepted', async t => {
  for (const path of ['Film/video.mp4', 'a', '..a/b..', 'Film/.hidden', 'spaces are fine/ü.mkv', 'Show: part 2/x']) {
    t.doesNotThrow(() => assertSafeTorrentPath(path), path)
  }
})

t.test('a store refuses a torrent with an unsafe file path before touching the disk', async t => {
  const torrent = syntheticTorrent({ seed: 1, pieceLength: 16, files: [['ok', 16], ['../escape', 16]] })
  const root = tempDir(t)
  t.throws(() => createPieceStore(initFor(torrent, root)), UnsafePathError)
  t.notOk(existsSync(join(root, 'escape')))
})

t.test('a folder symlinked outside the data dir is never written through', async t => {
  const torrent = syntheticTorrent({ seed: 2, pieceLength: 16, files: [['Film/video.mp4', 32]] })
  const root = tempDir(t)
  const outside = join(root, 'outside')
  mkdirSync(outside)
  mkdirSync(join(root, 'data'))
  symlinkSync(outside, join(root, 'data', 'Film'))
  const store = createPieceStore(initFor(torrent, root))
  await store.open()
  await t.rejects(store.putPiece(0, torrent.piece(0)), UnsafePathError)
  t.notOk(store.hasPiece(0))
  t.notOk(existsSync(join(outside, 'video.mp4')), 'nothing was written outside')
  await store.close()
})

t.test('a dangling symlink in the data dir is refused', async t => {
  const torrent = syntheticTorrent({ seed: 3, pieceLength: 16, files: [['video.mp4', 32]] })
  const root = tempDir(t)
  mkdirSync(join(root, 'data'))
  symlinkSync(join(root, 'nowhere', 'target'), join(root, 'data', 'video.mp4'))
  const store = createPieceStore(initFor(torrent, root))
  await store.open()
  await t.rejects(store.putPiece(0, torrent.piece(0)), UnsafePathError)
  await store.close()
})

t.test('a symlink that stays inside the data dir is followed', async t => {
  const torrent = syntheticTorrent({ seed: 4, pieceLength: 16, files: [['Film/video.mp4', 32]] })
  const root = tempDir(t)
  mkdirSync(join(root, 'data', 'real'), { recursive: true })
  symlinkSync(join(root, 'data', 'real'), join(root, 'data', 'Film'))
  const store = createPieceStore(initFor(torrent, root))
  await store.open()
  await store.putPiece(1, torrent.piece(1))
  t.ok(existsSync(join(root, 'data', 'real', 'video.mp4')))
  await store.close()
})
