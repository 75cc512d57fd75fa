/**
 * The daemon's HTTP API as the UI uses it. Every error answer is `{"error": {code, message}}`;
 * `ApiError` carries both so screens can say what went wrong in words for the viewer.
 */

export type TorrentState = 'metadata' | 'checking' | 'downloading' | 'seeding' | 'stopped' | 'error'

export interface Title {
  id: string
  infoHash: string
  fileIndex: number
  name: string
  lengthBytes: number
  progress: number
  state: TorrentState
  playable: boolean
  notice?: string
  posterUrl: string
  playlistUrl: string
  infoUrl: string
  lastPositionSeconds: number
  lastWatchedAt: number | null
}

export interface MediaInfo {
  durationSeconds: number
  video: { codec: string, width: number, height: number }
  audio: { codec: string, channels: number } | null
  audioTranscoded: boolean
  playable: true
}

/** The fields of `GET /api/torrents/:infoHash` the player shows. */
export interface TorrentActivity {
  peers: number
  seeds: number
  progress: number
  downloadRate: number
  bytesFromPeers: number
  bytesFromWebSeeds: number
}

export class ApiError extends Error {
  constructor (readonly code: string, message: string, readonly status: number) {
    super(message)
    this.name = 'ApiError'
  }
}

/** Messages for viewers, by code, when the daemon's own message is written for developers. */
const VIEWER_MESSAGES: Record<string, string> = {
  REEL_ERR_TORRENT_NOT_FOUND: 'This film is not on this box any more. Go back to pick another.',
  REEL_ERR_FILE_NOT_FOUND: 'This film is not on this box any more. Go back to pick another.',
  REEL_ERR_BAD_REQUEST: 'There is no film at this address. Go back to pick another.',
  REEL_ERR_NETWORK: 'The box is not answering. Check that it is on; this screen retries when you try again.'
}

/** Words for the viewer: the /hls messages are written for them, the others are translated. */
export function viewerMessage (err: unknown): string {
  if (err instanceof ApiError) return VIEWER_MESSAGES[err.code] ?? err.message
  return err instanceof Error ? err.message : String(err)
}

async function call<T> (path: string, init?: RequestInit): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, init)
  } catch (err) {
    throw new ApiError('REEL_ERR_NETWORK', err instanceof Error ? err.message : String(err), 0)
  }
  const text = await res.text()
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = undefined
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: unknown, message?: unknown } } | undefined)?.error
    const code = typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`
    const message = typeof error?.message === 'string' ? error.message : `The box answered ${res.status} for ${path}.`
    throw new ApiError(code, message, res.status)
  }
  return body as T
}

const json = (body: unknown): RequestInit => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

export const api = {
  titles: async (): Promise<Title[]> => await call('/api/titles'),
  title: async (id: string): Promise<Title> => await call(`/api/titles/${encodeURIComponent(id)}`),
  mediaInfo: async (title: Title): Promise<MediaInfo> => await call(title.infoUrl),
  activity: async (infoHash: string): Promise<TorrentActivity> => await call(`/api/torrents/${infoHash}`),
  /** `keepalive` lets the last save of a screen that is going away still reach the box. */
  savePosition: async (id: string, seconds: number, keepalive = false): Promise<void> => {
    await call(`/api/titles/${encodeURIComponent(id)}/position`, { method: 'PUT', keepalive, ...json({ seconds }) })
  },
  reportPlayer: async (state: { playing: boolean, visible: boolean }): Promise<void> => {
    await call('/api/player/state', { method: 'POST', keepalive: true, ...json(state) })
  }
}
