/**
 * A torrent's state as the engine and the HTTP API report it. This file imports nothing, so
 * the player UI (player-ui/src/api.ts) shares the type instead of copying it.
 */
export type TorrentState = 'metadata' | 'checking' | 'downloading' | 'seeding' | 'stopped' | 'error'
