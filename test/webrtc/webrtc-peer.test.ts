/**
 * src/wire/webrtc-peer.ts on its own: the RTCConfiguration Reel gives WebRTC peers, option
 * checks, and what happens to a signalled peer that connects, fails or is abandoned. The
 * fake peer stands in for simple-peer; the real one is exercised by the other WebRTC tests.
 */
import t from 'tap'
import { EventEmitter } from 'node:events'
import { PassThrough } from 'node:stream'
import { WebRtcConnectError } from '../../src/errors.js'
import {
  connectWebRtcPeer, invalidWebRtcOptions, releaseAnswerOnGatheringComplete, rtcConfiguration, webRtcAddress,
  type SignalledPeer
} from '../../src/wire/webrtc-peer.js'

class FakePeer extends PassThrough {
  id = '2d524c303130302d0123456789abcdef01234567'
  initiator = false
  connected = false
  remoteAddress: string | undefined
  remotePort: number | undefined
  _iceComplete = false
  open (address: string, port: number): void {
    this.remoteAddress = address
    this.remotePort = port
    this.connected = true
    this.emit('connect')
  }
}

const asPeer = (peer: FakePeer): SignalledPeer => peer as unknown as SignalledPeer
const ourPeerId = Buffer.alloc(20, 1)

t.test('without STUN servers the configuration replaces the public defaults with none', async t => {
  t.same(rtcConfiguration({ stunServers: [] }), { iceServers: [] })
})

t.test('STUN servers, the bind address and the port range reach node-datachannel', async t => {
  t.same(rtcConfiguration({ stunServers: ['stun:stun.example.net:3478'], bindAddress: '127.0.0.1', portRange: { first: 50000, last: 50100 } }), {
    iceServers: [{ urls: ['stun:stun.example.net:3478'] }],
    bindAddress: '127.0.0.1',
    portRangeBegin: 50000,
    portRangeEnd: 50100
  })
})

t.test('malformed STUN URLs and port ranges are named', async t => {
  t.equal(invalidWebRtcOptions({ stunServers: ['stun:a.example:3478', 'stuns:b.example'] }), undefined)
  t.match(invalidWebRtcOptions({ stunServers: ['http://stun.example'] }), /"http:\/\/stun.example" is not of the form stun:host:port/)
  t.match(invalidWebRtcOptions({ stunServers: [], portRange: { first: 6000, last: 5000 } }), /port range 6000-5000/)
})

t.test('a connected peer becomes a PeerConnection labelled by its WebRTC address, never a dialable one', async t => {
  const peer = new FakePeer()
  const connecting = connectWebRtcPeer({ peer: asPeer(peer), ourPeerId, now: Date.now })
  peer.open('10.1.0.2', 40000)
  const conn = await connecting
  t.equal(conn.address, 'webrtc:10.1.0.2:40000')
  t.equal(conn.direction, 'incoming', 'the side that answered an offer is the incoming side')
  conn.close('test over')
  t.equal(webRtcAddress(asPeer(new FakePeer())), 'webrtc:2d524c303130302d', 'before ICE picks a pair, the peer id names it')
})

t.test('a peer whose data channel never opens is destroyed with WebRtcConnectError', async t => {
  const peer = new FakePeer()
  const keepAlive = setTimeout(() => {}, 5_000) // the connect timer is unref'd, as a daemon's should be
  await t.rejects(connectWebRtcPeer({ peer: asPeer(peer), ourPeerId, now: Date.now, connectTimeoutMs: 50 }), WebRtcConnectError)
  clearTimeout(keepAlive)
  t.ok(peer.destroyed, 'the peer was destroyed')
})

t.test('a peer that fails ICE or is aborted is destroyed', async t => {
  const failing = new FakePeer()
  const failed = connectWebRtcPeer({ peer: asPeer(failing), ourPeerId, now: Date.now })
  failing.emit('error', new Error('Ice connection failed'))
  await t.rejects(failed, { code: 'REEL_ERR_WEBRTC_CONNECT', message: /Ice connection failed/ })
  t.ok(failing.destroyed)

  const abandoned = new FakePeer()
  const controller = new AbortController()
  const aborted = connectWebRtcPeer({ peer: asPeer(abandoned), ourPeerId, now: Date.now, signal: controller.signal })
  controller.abort()
  await t.rejects(aborted, { message: /aborted/ })
  t.ok(abandoned.destroyed)
})

t.test('an answering peer sends its answer as soon as ICE gathering completes', async t => {
  const peer = new FakePeer()
  const released: string[] = []
  ;(peer as EventEmitter).on('_iceComplete', () => released.push('answer released'))
  releaseAnswerOnGatheringComplete(asPeer(peer))
  peer.emit('iceStateChange', 'new', 'gathering')
  t.same(released, [], 'not while gathering')
  peer.emit('iceStateChange', 'checking', 'complete')
  peer.emit('iceStateChange', 'checking', 'complete')
  t.same(released, ['answer released'], 'once, when gathering completes')
  t.ok(peer._iceComplete)
})
