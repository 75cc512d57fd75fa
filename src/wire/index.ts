/** One peer connection and what it needs: the guarded wire, rate meters, pipelining. */
export { PeerConnection, BLOCK_LENGTH, type Handshake, type PeerConnectionInit } from './peer-connection.js'
export { RateMeter } from './rate-meter.js'
