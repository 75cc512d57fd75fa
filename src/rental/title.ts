/**
 * The title shape of `GET /api/titles`. It imports only the import-free torrent state, so the
 * player UI (player-ui/src/api.ts) shares it instead of keeping a copy that could drift.
 */
import type { TorrentState } from '../engine/torrent-state.js'

/** A film as the player UI sees it. */
export interface Title {
  /** `<infoHash>-<fileIndex>`. */
  id: string
  infoHash: string
  fileIndex: number
  /** For people: from the file or torrent name, without extension and release dots. */
  name: string
  lengthBytes: number
  /** 0..1 of this file's bytes verified on disk. */
  progress: number
  state: TorrentState
  /** False for a torrent without any video file; `notice` says why. */
  playable: boolean
  notice?: string
  posterUrl: string
  playlistUrl: string
  infoUrl: string
  lastPositionSeconds: number
  /** Milliseconds since the epoch; null when never watched. */
  lastWatchedAt: number | null
}
