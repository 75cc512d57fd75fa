/**
 * What the box has shared, as the viewer sees it: bytes today and this month (local calendar,
 * rolling over at midnight and on the 1st), the current rate, peers served now and today.
 * Fed from the engine's per-torrent upload counters, which only grow while a torrent lives
 * and start at 0 when it is added or the daemon restarts. The totals persist in
 * `<dataDir>/seeding/accounting.json`, so the monthly cap survives restarts.
 */
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { readJsonFile, writeJsonFileAtomically } from '../store/index.js'
import { localDayKey, localMonthKey } from './local-calendar.js'

/** Peer ids remembered per day for "peers served today"; beyond this the count stops growing. */
const MAX_PEERS_REMEMBERED = 5000

export interface UploadCounter { infoHash: string, uploadedBytes: number }

export interface ShareSample {
  counters: Iterable<UploadCounter>
  /** Bytes per second over all torrents now. */
  rate: number
  /** Ids of the peers we are uploading to now. */
  servingPeers: Iterable<string>
}

export interface ShareSnapshot {
  day: string
  month: string
  sharedToday: number
  sharedThisMonth: number
  rate: number
  peersServing: number
  peersServedToday: number
}

interface Stored { version: 1, day: string, month: string, sharedToday: number, sharedThisMonth: number, peersToday: string[] }

export interface ShareAccountingInit {
  dataDir: string
  now: () => number
  log: Logger
}

export class ShareAccounting {
  readonly path: string
  private day: string
  private month: string
  private sharedToday = 0
  private sharedThisMonth = 0
  private peersToday = new Set<string>()
  private rate = 0
  private peersServing = 0
  private readonly seen = new Map<string, number>()
  private dirty = false

  constructor (private readonly init: ShareAccountingInit) {
    this.path = join(init.dataDir, 'seeding', 'accounting.json')
    this.day = localDayKey(init.now())
    this.month = localMonthKey(init.now())
  }

  /** Restores the stored totals (a corrupt file is logged and counts as empty). */
  async load (): Promise<void> {
    let stored: unknown
    try {
      stored = await readJsonFile(this.path)
    } catch (err) {
      this.init.log.error({ err, path: this.path }, 'sharing accounting unreadable; counting from zero')
      return
    }
    if (stored === undefined) return
    if (!isStored(stored)) {
      this.init.log.error({ path: this.path }, 'sharing accounting has an unexpected shape; counting from zero')
      return
    }
    this.day = stored.day
    this.month = stored.month
    this.sharedToday = stored.sharedToday
    this.sharedThisMonth = stored.sharedThisMonth
    this.peersToday = new Set(stored.peersToday)
    this.rollOver()
  }

  /** Adds what the counters grew by since the last sample. */
  record (sample: ShareSample): void {
    this.rollOver()
    const live = new Set<string>()
    let added = 0
    for (const { infoHash, uploadedBytes } of sample.counters) {
      live.add(infoHash)
      const before = this.seen.get(infoHash) ?? 0
      // A counter that went down belongs to a torrent that was removed and added again.
      added += uploadedBytes >= before ? uploadedBytes - before : uploadedBytes
      this.seen.set(infoHash, uploadedBytes)
    }
    for (const infoHash of this.seen.keys()) if (!live.has(infoHash)) this.seen.delete(infoHash)
    let serving = 0
    for (const peer of sample.servingPeers) {
      serving++
      if (this.peersToday.size < MAX_PEERS_REMEMBERED && !this.peersToday.has(peer)) {
        this.peersToday.add(peer)
        this.dirty = true
      }
    }
    this.rate = sample.rate
    this.peersServing = serving
    if (added > 0) {
      this.sharedToday += added
      this.sharedThisMonth += added
      this.dirty = true
    }
  }

  snapshot (): ShareSnapshot {
    this.rollOver()
    return {
      day: this.day,
      month: this.month,
      sharedToday: this.sharedToday,
      sharedThisMonth: this.sharedThisMonth,
      rate: this.rate,
      peersServing: this.peersServing,
      peersServedToday: this.peersToday.size
    }
  }

  get sharedMonth (): number {
    this.rollOver()
    return this.sharedThisMonth
  }

  /** Writes the totals if they changed since the last save. */
  async save (): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    const stored: Stored = {
      version: 1,
      day: this.day,
      month: this.month,
      sharedToday: this.sharedToday,
      sharedThisMonth: this.sharedThisMonth,
      peersToday: [...this.peersToday]
    }
    try {
      await writeJsonFileAtomically(this.path, stored)
    } catch (err) {
      this.dirty = true
      throw err
    }
  }

  private rollOver (): void {
    const now = this.init.now()
    const day = localDayKey(now)
    const month = localMonthKey(now)
    if (day !== this.day) {
      this.day = day
      this.sharedToday = 0
      this.peersToday.clear()
      this.dirty = true
    }
    if (month !== this.month) {
      this.month = month
      this.sharedThisMonth = 0
      this.dirty = true
    }
  }
}

function isStored (value: unknown): value is Stored {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  const count = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
  return v.version === 1 && typeof v.day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.day) &&
    typeof v.month === 'string' && /^\d{4}-\d{2}$/.test(v.month) && count(v.sharedToday) && count(v.sharedThisMonth) &&
    Array.isArray(v.peersToday) && v.peersToday.every(p => typeof p === 'string')
}
