/**
 * Where each title was left: the last play position and when it was last watched, kept in
 * `<dataDir>/watch-history.json`. Every change is written atomically (temp file, fsync,
 * rename), one write at a time, so a power cut leaves the old or the new file, never half of
 * one. A missing or corrupt file starts an empty history (logged), never a crash.
 * Also here: PlayerPresence, whether the TV is playing or showing the UI right now.
 */
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { readJsonFile, writeJsonFileAtomically } from '../store/index.js'

export const WATCH_HISTORY_FILE = 'watch-history.json'

/** One title's entry. */
export interface WatchRecord {
  /** Seconds from the start of the film where the viewer left it. */
  positionSeconds: number
  /** Milliseconds since the epoch, from the injected clock. */
  watchedAt: number
}

export interface WatchHistoryInit {
  /** Folder of the history file (the daemon's data dir). */
  dataDir: string
  log: Logger
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number
}

export interface WatchHistory {
  /** Loads the file; a missing or unreadable one gives an empty history. */
  start (): Promise<void>
  /** Waits for the last write to land. */
  stop (): Promise<void>
  get (titleId: string): WatchRecord | undefined
  /** Every entry, most recently watched first (the seeding policy evicts from the other end). */
  entries (): Array<[string, WatchRecord]>
  /** Records a position now and persists it; resolves once it is on disk. */
  setPosition (titleId: string, seconds: number): Promise<WatchRecord>
  /** Forgets a title (its torrent was removed). */
  forget (titleId: string): Promise<void>
}

interface HistoryFile { version: 1, titles: Record<string, WatchRecord> }

export function createWatchHistory (init: WatchHistoryInit): WatchHistory {
  const path = join(init.dataDir, WATCH_HISTORY_FILE)
  const log = init.log.child({ component: 'watch-history' })
  const now = init.now ?? Date.now
  const records = new Map<string, WatchRecord>()
  // Writes are chained so that two saves never race on the temp file; each writes the latest state.
  let writing: Promise<void> = Promise.resolve()

  const persist = async (): Promise<void> => {
    const next = writing.then(async () => { await writeJsonFileAtomically(path, serialise(records)) })
    writing = next.catch(err => { log.error({ err, path }, 'cannot save the watch history') })
    await next
  }

  return {
    async start () {
      records.clear()
      for (const [id, record] of await load(path, log)) records.set(id, record)
    },
    async stop () {
      await writing
    },
    get: id => records.get(id),
    entries: () => [...records].sort((a, b) => b[1].watchedAt - a[1].watchedAt),
    async setPosition (titleId, seconds) {
      const record: WatchRecord = { positionSeconds: Math.max(0, seconds), watchedAt: now() }
      records.set(titleId, record)
      await persist()
      return record
    },
    async forget (titleId) {
      if (records.delete(titleId)) await persist()
    }
  }
}

function serialise (records: ReadonlyMap<string, WatchRecord>): HistoryFile {
  return { version: 1, titles: Object.fromEntries(records) }
}

async function load (path: string, log: Logger): Promise<Array<[string, WatchRecord]>> {
  let parsed: unknown
  try {
    parsed = await readJsonFile(path)
  } catch (err) {
    log.warn({ err, path }, 'the watch history file is unreadable or corrupt; starting empty')
    return []
  }
  if (parsed === undefined) return []
  const file = parsed as Partial<HistoryFile> | null
  if (file?.version !== 1 || typeof file.titles !== 'object' || file.titles === null) {
    log.warn({ path }, 'the watch history file is not a version 1 history; starting empty')
    return []
  }
  return Object.entries(file.titles).filter(([, r]) => isRecord(r))
}

function isRecord (value: unknown): value is WatchRecord {
  const r = value as Partial<WatchRecord> | null
  return typeof r === 'object' && r !== null &&
    typeof r.positionSeconds === 'number' && Number.isFinite(r.positionSeconds) && r.positionSeconds >= 0 &&
    typeof r.watchedAt === 'number' && Number.isFinite(r.watchedAt)
}

/** What the TV shows right now, as the player UI last reported it. */
export interface PlayerState {
  /** A film is playing (not paused, not buffering at its end). */
  playing: boolean
  /** The UI is on screen (the page is visible). */
  visible: boolean
  /** When the UI reported it (ms since the epoch); 0 before any report. */
  reportedAt: number
}

/**
 * The last state reported by the player UI. A report older than `staleAfterMs` counts as
 * "nothing playing, nothing visible": a UI that crashed or lost power stops holding the box busy.
 */
export class PlayerPresence {
  #state: PlayerState = { playing: false, visible: false, reportedAt: 0 }
  readonly #now: () => number
  readonly #staleAfterMs: number

  constructor (init: { now?: () => number, staleAfterMs?: number } = {}) {
    this.#now = init.now ?? Date.now
    this.#staleAfterMs = init.staleAfterMs ?? 90_000
  }

  report (state: { playing: boolean, visible: boolean }): PlayerState {
    this.#state = { playing: state.playing, visible: state.visible, reportedAt: this.#now() }
    return this.current()
  }

  /** The state now, with stale reports turned into "idle". */
  current (): PlayerState {
    const s = this.#state
    if (this.#now() - s.reportedAt > this.#staleAfterMs) return { playing: false, visible: false, reportedAt: s.reportedAt }
    return { ...s }
  }
}
