/**
 * Must show 4, first part: two Reel daemons with TCP disabled exchange a torrent over WebRTC
 * data channels only, signalled through a local WebSocket tracker. No STUN servers; ICE is
 * bound to 127.0.0.1.
 */
import t from 'tap'
import { makeTorrentFixture, startTracker } from '../helpers/fixtures.js'
import { differingFiles, seedFixture, startWebRtcDaemon } from '../helpers/webrtc-daemon.js'

const loopbackWebRtc = { tcp: false, webrtc: { stunServers: [], bindAddress: '127.0.0.1' } }

t.test('two daemons without TCP exchange a torrent over WebRTC through a WebSocket tracker', async t => {
  const tracker = await startTracker(t, { ws: true, intervalMs: 5_000 })
  const fixture = await makeTorrentFixture(t, {
    name: 'RtcFilm',
    pieceLength: 64 * 1024,
    announce: [tracker.wsUrl as string],
    files: [{ path: 'feature.mp4', length: 3_000_000 }, { path: 'subs/en.srt', length: 20_001 }]
  })
  const seeder = await startWebRtcDaemon(t, { engine: loopbackWebRtc, name: 'reel-seed' })
  const leecher = await startWebRtcDaemon(t, { engine: loopbackWebRtc, name: 'reel-leech' })
  t.equal(seeder.torrentPort, 0, 'the seeder has no TCP listener')
  t.equal(leecher.torrentPort, 0, 'the leecher has no TCP listener')

  await seedFixture(seeder, fixture)
  const started = Date.now()
  await leecher.api.addTorrent(fixture.torrentFile)
  const status = await leecher.api.waitComplete(fixture.infoHash, { timeoutMs: 90_000 })
  t.comment(`downloaded ${fixture.totalLength} bytes over WebRTC in ${Date.now() - started} ms`)
  t.equal(status['hashFailures'], 0, 'no piece failed verification')
  t.same(await differingFiles(leecher, fixture), [], 'every file is byte-identical')

  const peers = leecher.connectedPeers()
  t.ok(peers.length >= 1, 'the leecher connected to a peer')
  t.same(peers.map(line => line['transport']), peers.map(() => 'webrtc'), 'every peer came over WebRTC')
  t.ok(peers.every(line => String(line['peer']).startsWith('webrtc:127.0.0.1:')), 'ICE used the loopback address only')
})
