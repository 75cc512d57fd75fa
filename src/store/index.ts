/**
 * The torrent's data on disk: sparse files under the data dir, SHA-1 verified pieces and a
 * power-cut safe resume journal. The engine uses only what is exported here.
 */
export { createPieceStore } from './piece-store.js'
export { assertSafeTorrentPath } from './safe-path.js'
export { readJsonFile, writeJsonFileAtomically } from './json-file.js'
export type { PieceStore, PieceStoreInit } from './types.js'
export type { StoreFile } from './layout.js'
export type { StoreFs } from './store-fs.js'
