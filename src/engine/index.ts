/** Public face of the torrent engine. */
export type * from './types.js'
export { createEngine, type EngineInit } from './engine.js'
