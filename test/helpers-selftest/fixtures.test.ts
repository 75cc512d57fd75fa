import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compareDirs, contentBytes, makeTorrentFixture, sha1File, startTracker, tempDir } from '../helpers/fixtures.js'

t.test('content is deterministic and readable at any offset', async t => {
  const whole = contentBytes('s', 0, 1000)
  t.ok(contentBytes('s', 0, 1000).equals(whole), 'same seed, same bytes')
  t.notOk(contentBytes('t', 0, 1000).equals(whole), 'another seed, other bytes')
  for (const [at, n] of [[1, 10], [15, 2], [16, 16], [333, 667]] as const) {
    t.ok(contentBytes('s', at, n).equals(whole.subarray(at, at + n)), `offset ${at} length ${n}`)
  }
})

t.test('the same fixture options give the same torrent, in any folder', async t => {
  const opts = {
    name: 'same',
    files: [{ path: 'x/a.bin', length: 70_000 }, { path: 'b.bin', length: 5 }],
    pieceLength: 16 * 1024,
    announce: ['http://127.0.0.1:1/announce'],
  }
  const one = await makeTorrentFixture(t, opts)
  const two = await makeTorrentFixture(await tempDir(t), opts)
  t.ok(one.torrentFile.equals(two.torrentFile))
  t.match(one.infoHash, /^[0-9a-f]{40}$/)
  t.match(one.magnet, new RegExp(`^magnet:\\?xt=urn:btih:${one.infoHash}`))
  t.same(one.files.map(f => [f.path, f.offset, f.length]), [['x/a.bin', 0, 70_000], ['b.bin', 70_000, 5]])
  t.equal(one.pieceCount, 5)
  t.ok((await readFile(join(one.dir, 'same', 'x', 'a.bin'))).subarray(100, 200).equals(one.expectedBytes(0, 100, 100)))
  t.same((await compareDirs(one.dir, two.dir)).differences, [])
  t.equal(await sha1File(one.files[1]!.absPath), await sha1File(two.files[1]!.absPath))
})

t.test('a single-file fixture lives at <dir>/<name>', async t => {
  const fx = await makeTorrentFixture(t, { files: [{ path: 'movie.mkv', length: 1234 }] })
  t.equal(fx.name, 'movie.mkv')
  t.equal(fx.files[0]!.absPath, join(fx.dir, 'movie.mkv'))
})

t.test('compareDirs names what differs', async t => {
  const a = await makeTorrentFixture(t, { name: 'd', files: [{ path: 'f1', length: 10 }, { path: 'f2', length: 10 }] })
  const b = await makeTorrentFixture(t, { name: 'd', files: [{ path: 'f1', length: 10 }, { path: 'f3', length: 10 }], seed: 'other' })
  t.same((await compareDirs(a.dir, b.dir)).differences, ['differs: d/f1', 'only in a: d/f2', 'only in b: d/f3'])
})

t.test('the tracker gives loopback URLs', async t => {
  const tracker = await startTracker(t)
  t.match(tracker.announceUrl, /^http:\/\/127\.0\.0\.1:\d+\/announce$/)
  t.match(tracker.udpUrl, /^udp:\/\/127\.0\.0\.1:\d+$/)
  t.equal(tracker.swarm('00'.repeat(20)), undefined, 'an unknown torrent has no swarm')
  t.equal(tracker.wsUrl, undefined, 'no WebSocket tracker unless asked')
  const withWs = await startTracker(t, { ws: true })
  t.match(withWs.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+$/)
})
