// Loaded with `node --import` before scripts/peers/wt_peer.mjs: sets the RTCConfiguration of
// every WebRTC peer webtorrent creates, through simple-peer's documented global `Peer.config`
// (its default names public Google and Twilio STUN servers). REEL_TEST_RTC_CONFIG is that
// configuration as JSON, e.g. {"iceServers":[],"bindAddress":"127.0.0.1"}; webrtc-polyfill
// passes it on to node-datachannel, whose ICE then binds the loopback address only.
import Peer from '@thaunknown/simple-peer/lite.js'

Peer.config = JSON.parse(process.env.REEL_TEST_RTC_CONFIG ?? '{"iceServers":[]}')
