/**
 * Must show 4, second part: Reel and webtorrent 2.8.5 (in Node, its WebRTC from
 * webrtc-polyfill on node-datachannel) exchange torrents over WebRTC through a local
 * WebSocket tracker, in both directions. Reel has TCP disabled; nobody uses STUN; ICE on
 * 127.0.0.1.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTorrentFixture, startTracker, tempDir } from '../helpers/fixtures.js'
import { differingFiles, seedFixture, startWebRtcDaemon } from '../helpers/webrtc-daemon.js'
import { startWebRtcWebtorrentPeer } from '../helpers/webrtc-webtorrent.js'

const loopbackWebRtc = { tcp: false, webrtc: { stunServers: [], bindAddress: '127.0.0.1' } }

t.test('webtorrent in Node downloads from a Reel daemon over WebRTC', async t => {
  const tracker = await startTracker(t, { ws: true, intervalMs: 5_000 })
  const fixture = await makeTorrentFixture(t, {
    name: 'ToWebtorrent.mp4', pieceLength: 32 * 1024, announce: [tracker.wsUrl as string],
    files: [{ path: 'ToWebtorrent.mp4', length: 2_500_000 }]
  })
  const reel = await startWebRtcDaemon(t, { engine: loopbackWebRtc, name: 'reel-seed' })
  await seedFixture(reel, fixture)
  const save = await tempDir(t)
  const leecher = await startWebRtcWebtorrentPeer(t, { torrentPath: fixture.torrentPath, save, mode: 'leech', name: 'wt-rtc-leech' })
  await leecher.waitFinished({ timeoutMs: 90_000 })
  const got = await readFile(join(save, fixture.name))
  t.ok(got.equals(fixture.expectedBytes(0, 0, fixture.totalLength)), 'webtorrent got the file byte-identical')
  t.equal(leecher.progress().hashFails, 0, 'webtorrent saw no hash failure')
  const peers = reel.connectedPeers()
  t.ok(peers.length >= 1 && peers.every(line => line['transport'] === 'webrtc'), 'Reel served it over WebRTC')
})

t.test('a Reel daemon downloads from webtorrent in Node over WebRTC', async t => {
  const tracker = await startTracker(t, { ws: true, intervalMs: 5_000 })
  const fixture = await makeTorrentFixture(t, {
    name: 'FromWebtorrent', pieceLength: 32 * 1024, announce: [tracker.wsUrl as string],
    files: [{ path: 'film.mkv', length: 2_000_000 }, { path: 'poster.jpg', length: 70_001 }]
  })
  await startWebRtcWebtorrentPeer(t, { torrentPath: fixture.torrentPath, save: fixture.dir, mode: 'seed', name: 'wt-rtc-seed' })
  const reel = await startWebRtcDaemon(t, { engine: loopbackWebRtc, name: 'reel-leech' })
  await reel.api.addTorrent(fixture.torrentFile)
  const status = await reel.api.waitComplete(fixture.infoHash, { timeoutMs: 90_000 })
  t.equal(status['hashFailures'], 0, 'no piece failed verification')
  t.same(await differingFiles(reel, fixture), [], 'every file is byte-identical')
  const peers = reel.connectedPeers()
  t.ok(peers.length >= 1 && peers.every(line => line['transport'] === 'webrtc'), 'every peer came over WebRTC')
})
