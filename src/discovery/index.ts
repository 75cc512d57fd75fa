/** Peer discovery: trackers, DHT, LSD (PEX rides on the wire). */
export { PeerDiscovery, type PeerDiscoveryInit, type PeerSource, type AnnounceStats } from './peer-discovery.js'
export { startSharedDht, type SharedDht } from './shared-dht.js'
export { createWebSeed, type WebSeed, type WebSeedInit, type WebSeedFile } from './web-seed.js'
