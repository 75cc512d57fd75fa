/**
 * The daemon's HTTP API as the UI uses it. Every error answer is `{"error": {code, message}}`;
 * `ApiError` carries both so screens can say what went wrong in words for the viewer.
 */

import type { Title } from '../../src/rental/title.js'
import type { MediaInfoView as MediaInfo } from '../../src/hls/media-info.js'
import type { SeedingSettings } from '../../src/seeding/settings.js'

export type { TorrentState } from '../../src/engine/torrent-state.js'
export type { Rate } from '../../src/seeding/settings.js'
export type { MediaInfo, Title }

/** The fields of `GET /api/torrents/:infoHash` the player shows. */
export interface TorrentActivity {
  peers: number
  seeds: number
  progress: number
  downloadRate: number
  bytesFromPeers: number
  bytesFromWebSeeds: number
}

/** The viewer's sharing budget (`GET/PUT /api/settings`). */
export type SharingBudget = SeedingSettings

/** The budget fields the settings screen edits with the remote. */
export type BudgetPatch = Partial<Pick<SharingBudget, 'idleRate' | 'watchingRate' | 'monthlyCap' | 'paused'>>

export type AllowanceReason = 'paused' | 'cap-reached' | 'watching' | 'window' | 'idle'

/** What the box is sharing and why (`GET /api/sharing`, src/seeding/seeding-policy.ts). */
export interface Sharing {
  sharedToday: number
  sharedThisMonth: number
  /** Bytes per second now. */
  rate: number
  peersServing: number
  peersServedToday: number
  presence: 'watching' | 'idle'
  idleInMs: number
  allowance: {
    /** `open`: any peer; `reciprocal`: only peers feeding the film on screen; `closed`: nobody. */
    mode: 'open' | 'reciprocal' | 'closed'
    reason: AllowanceReason
    /** Bytes per second; `null` unlimited; 0 when closed. */
    rateLimit: number | null
    window?: { start: string, end: string }
  }
  monthlyCap: number | null
  remainingThisMonth: number | null
  budget: SharingBudget
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
  sharing: async (): Promise<Sharing> => await call('/api/sharing'),
  /** Only the fields to change; answers the whole budget as saved, or throws `REEL_ERR_BAD_REQUEST`. */
  updateBudget: async (patch: BudgetPatch, keepalive = false): Promise<SharingBudget> =>
    await call('/api/settings', { method: 'PUT', keepalive, ...json(patch) }),
  reportPlayer: async (state: { playing: boolean, visible: boolean }): Promise<void> => {
    await call('/api/player/state', { method: 'POST', keepalive: true, ...json(state) })
  }
}
