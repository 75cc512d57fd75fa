/**
 * Streaming through /stream while the download is far from done: a seek into a region nobody
 * has fetched yet gets the right bytes while another reader's requests are still in flight.
 * Not timed: correctness under concurrency only (the bench measures speed).
 */
import t from 'tap'
import { makeTorrentFixture, startTracker } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { startReelDaemon } from '../helpers/reel.js'

const MiB = 1024 * 1024

t.test('a seek into an undownloaded region returns correct bytes while the first reader is still streaming', async t => {
  const tracker = await startTracker(t)
  const fixture = await makeTorrentFixture(t, {
    name: 'Seekable', pieceLength: 256 * 1024, announce: [tracker.announceUrl],
    files: [{ path: 'notes.txt', length: 1000 }, { path: 'film.mp4', length: 24 * MiB }]
  })
  for (const name of ['lt-slow-a', 'lt-slow-b']) {
    await startLibtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', uploadLimit: 768 * 1024, name })
  }
  const daemon = await startReelDaemon(t)
  await daemon.api.addTorrent(fixture.torrentFile)
  const film = 1

  // Reader one: plays from the start and keeps its request open.
  const first = await daemon.api.fetch(`/stream/${fixture.infoHash}/${film}`)
  t.equal(first.status, 200)
  const firstBody = first.body!.getReader()
  let firstBytes = Buffer.alloc(0)
  while (firstBytes.length < MiB) {
    const { value, done } = await firstBody.read()
    if (done) break
    firstBytes = Buffer.concat([firstBytes, Buffer.from(value)])
  }
  t.ok(firstBytes.subarray(0, MiB).equals(fixture.expectedBytes(film, 0, MiB)), 'the first reader gets the film\'s first MiB')

  const before = await daemon.api.get(fixture.infoHash)
  t.ok((before.progress as number) < 0.5, 'most of the film is still missing when the seek happens')

  // Reader two: seeks to 75 % while reader one is still open with requests in flight.
  const seekAt = Math.floor(24 * MiB * 0.75) + 12345
  const seek = await daemon.api.fetch(`/stream/${fixture.infoHash}/${film}`, { headers: { range: `bytes=${seekAt}-${seekAt + MiB - 1}` } })
  t.equal(seek.status, 206)
  t.equal(seek.headers.get('content-range'), `bytes ${seekAt}-${seekAt + MiB - 1}/${24 * MiB}`)
  const seekBytes = Buffer.from(await seek.arrayBuffer())
  t.ok(seekBytes.equals(fixture.expectedBytes(film, seekAt, MiB)), 'the seek gets exactly the bytes at 75 %')

  // Reader one carries on correctly after the seek.
  let more = firstBytes
  while (more.length < 3 * MiB) {
    const { value, done } = await firstBody.read()
    if (done) break
    more = Buffer.concat([more, Buffer.from(value)])
  }
  t.ok(more.subarray(0, 3 * MiB).equals(fixture.expectedBytes(film, 0, 3 * MiB)), 'the first reader continues with correct bytes')
  await firstBody.cancel()
})
