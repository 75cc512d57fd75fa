import t from 'tap'
import bencode from 'bencode'
import { createHash } from 'node:crypto'
import { parseMagnet, parseTorrentFile, pieceSpan } from '../../src/engine/metainfo.js'

const pieceLength = 16384

function info (overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: Buffer.from('Film'), 'piece length': pieceLength, pieces: Buffer.alloc(40), length: pieceLength + 10, ...overrides }
}

function torrent (infoDict: unknown, extra: Record<string, unknown> = {}): Uint8Array {
  return bencode.encode({ announce: Buffer.from('http://127.0.0.1:1/announce'), info: infoDict, ...extra })
}

t.test('a valid single-file torrent is laid out as one file named after the torrent', async t => {
  const parsed = await parseTorrentFile(torrent(info()))
  t.equal(parsed.name, 'Film')
  t.equal(parsed.pieceCount, 2)
  t.same(parsed.files, [{ index: 0, path: 'Film', length: pieceLength + 10, offset: 0 }])
  t.same(parsed.announce, ['http://127.0.0.1:1/announce'])
  t.equal(parsed.infoHash, createHash('sha1').update(bencode.encode(info())).digest('hex'))
})

t.test('a multi-file torrent places files under the torrent name with running offsets', async t => {
  const files = [
    { length: 10, path: [Buffer.from('a.txt')] },
    { length: 0, path: [Buffer.from('empty')] },
    { length: pieceLength, path: [Buffer.from('sub'), Buffer.from('b.bin')] }
  ]
  const parsed = await parseTorrentFile(torrent(info({ length: undefined, files })))
  t.same(parsed.files.map(f => [f.path, f.offset, f.length]), [['Film/a.txt', 0, 10], ['Film/empty', 10, 0], ['Film/sub/b.bin', 10, pieceLength]])
})

const malformed: Array<[string, Uint8Array, RegExp]> = [
  ['an empty body', new Uint8Array(0), /empty/],
  ['bytes that are not bencode', Buffer.from('this is not a torrent'), /not valid bencode|not a bencoded dictionary/],
  ['a bencoded list', bencode.encode([1, 2]), /not a bencoded dictionary/],
  ['a torrent without info', bencode.encode({ announce: Buffer.from('x') }), /no info dictionary/],
  ['a torrent without a name', torrent(info({ name: undefined })), /info\.name/],
  ['a zero piece length', torrent(info({ 'piece length': 0 })), /piece length/],
  ['a negative length', torrent(info({ length: -5 })), /info\.length/],
  ['pieces not a multiple of 20 bytes', torrent(info({ pieces: Buffer.alloc(30) })), /multiple of 20/],
  ['too few piece hashes for the length', torrent(info({ pieces: Buffer.alloc(20) })), /1 piece hashes but its files need 2/],
  ['an empty file list', torrent(info({ length: undefined, files: [] })), /non-empty list/],
  ['a file without a path', torrent(info({ length: undefined, files: [{ length: 1 }] })), /path/],
  ['a torrent with no data', torrent(info({ length: 0, pieces: Buffer.alloc(20) })), /holds no data/],
  ['the same file twice', torrent(info({ length: undefined, files: [{ length: 5, path: [Buffer.from('x')] }, { length: 5, path: [Buffer.from('x')] }], pieces: Buffer.alloc(20) })), /twice/]
]
for (const [what, bytes, reason] of malformed) {
  t.test(`refuses ${what} with a reason`, async t => {
    await t.rejects(parseTorrentFile(bytes), { code: 'REEL_ERR_BAD_TORRENT', message: reason })
  })
}

t.test('refuses a torrent file larger than 16 MiB before decoding it', async t => {
  await t.rejects(parseTorrentFile(new Uint8Array(16 * 1024 * 1024 + 1)), { code: 'REEL_ERR_BAD_TORRENT', message: /at most/ })
})

const traversals: Array<[string, unknown[]]> = [
  ['a parent-directory segment', ['..', 'etc', 'passwd']],
  ['a nested parent-directory segment', ['a', '..', '..', 'b']],
  ['a segment with a slash', ['a/../../b']],
  ['a segment with a backslash', ['a\\..\\b']],
  ['a drive letter', ['C:', 'x']],
  ['a NUL byte', ['a\u0000b']],
  ['an empty segment', ['']],
  ['a dot segment', ['.']]
]
for (const [what, segments] of traversals) {
  t.test(`refuses a file path with ${what}`, async t => {
    const files = [{ length: pieceLength + 10, path: segments.map(s => Buffer.from(s as string)) }]
    await t.rejects(parseTorrentFile(torrent(info({ length: undefined, files }))), { code: 'REEL_ERR_UNSAFE_PATH' })
  })
}

t.test('refuses a torrent name that would escape the data dir', async t => {
  await t.rejects(parseTorrentFile(torrent(info({ name: Buffer.from('..') }))), { code: 'REEL_ERR_UNSAFE_PATH' })
  await t.rejects(parseTorrentFile(torrent(info({ name: Buffer.from('/etc') }))), { code: 'REEL_ERR_UNSAFE_PATH' })
})

t.test('a magnet link gives its info hash, name, trackers and peers', async t => {
  const hash = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a'
  const magnet = await parseMagnet(`magnet:?xt=urn:btih:${hash.toUpperCase()}&dn=Film&tr=${encodeURIComponent('udp://127.0.0.1:9/announce')}&x.pe=127.0.0.1:6881`)
  t.same(magnet, { infoHash: hash, name: 'Film', announce: ['udp://127.0.0.1:9/announce'], peers: ['127.0.0.1:6881'] })
})

t.test('refuses magnet links without a usable info hash', async t => {
  await t.rejects(parseMagnet('http://example.invalid/x'), { code: 'REEL_ERR_BAD_TORRENT', message: /magnet:\?/ })
  await t.rejects(parseMagnet('magnet:?dn=nothing'), { code: 'REEL_ERR_BAD_TORRENT' })
  await t.rejects(parseMagnet('magnet:?xt=urn:btih:1234'), { code: 'REEL_ERR_BAD_TORRENT' })
})

t.test('a byte range spans the pieces holding its first and last byte', async t => {
  t.same(pieceSpan(100, 0, 100), { first: 0, last: 0 }, 'exactly one piece')
  t.same(pieceSpan(100, 0, 101), { first: 0, last: 1 }, 'one byte into the next')
  t.same(pieceSpan(100, 250, 1), { first: 2, last: 2 }, 'a single byte')
  t.same(pieceSpan(100, 199, 2), { first: 1, last: 2 }, 'straddling a boundary')
})
