/**
 * The seeding policy: every second (and at once when presence or settings change) it reads
 * who is watching and what has been shared, asks the budget for the allowance in force, and
 * applies it to the engine (upload rate, upload mode). It feeds the accounting from the
 * engine's upload counters and keeps the data dir under its cap by evicting titles.
 */
import { statfs } from 'node:fs/promises'
import { AbortedError } from '../errors.js'
import type { Engine, SeedingControls, TorrentStats } from '../engine/index.js'
import type { Logger } from '../log.js'
import { BandwidthBudget, type UploadAllowance } from './bandwidth-budget.js'
import { capBytesOf, planEviction, type EvictionPlan } from './eviction-plan.js'
import { IdleDetector, type Presence } from './idle-detector.js'
import { SettingsStore } from './settings-store.js'
import type { SeedingSettings } from './settings.js'
import { ShareAccounting, type ShareSnapshot } from './share-accounting.js'
import { LastStreamed } from './last-streamed.js'

export interface SeedingPolicyInit {
  /** Settings and accounting live in `<dataDir>/seeding/`. */
  dataDir: string
  /** Default 1000. */
  tickMs?: number
  /** How often changed accounting is written; default 10 s (and on stop, and when the cap is reached). */
  saveIntervalMs?: number
  /** How often the disk cap is checked; default 60 s (and after every settings change). */
  diskCheckIntervalMs?: number
}

/** Only what the policy uses of the engine. */
export type SeedingEngine = Pick<Engine, 'list'> &
  Pick<SeedingControls, 'setUploadRateLimit' | 'setUploadQuota' | 'setUploadMode' | 'streamingTorrents' | 'watchedTorrents' | 'servingPeers' | 'evictData'>

export interface SeedingPolicyComponents {
  engine: SeedingEngine
  /** The player UI's last report (`POST /api/player/state`); absent means never playing. */
  player?: { isPlayingVisible (): boolean }
  /** Rentals: true for a title with an unexpired rental not yet watched (never evicted). */
  rentals?: { isProtected (infoHash: string): boolean }
  /** Size in bytes of the filesystem holding `dir`; statfs when absent. */
  filesystemBytes?: (dir: string) => Promise<number>
  log: Logger
  now?: () => number
}

/** What `GET /api/sharing` shows the viewer. */
export interface SharingView extends ShareSnapshot {
  presence: Presence
  /** Milliseconds until an idle box again, when watching. */
  idleInMs: number
  allowance: { mode: UploadAllowance['mode'], reason: UploadAllowance['reason'], rateLimit: number | null, window?: { start: string, end: string } }
  monthlyCap: number | null
  remainingThisMonth: number | null
  budget: SeedingSettings
}

export interface SeedingPolicy {
  start (): Promise<void>
  stop (): Promise<void>
  settings (): SeedingSettings
  /** Validates (BadRequestError), stores and applies at once. */
  updateSettings (patch: unknown): Promise<SeedingSettings>
  sharing (): SharingView
  /** Something that decides presence changed (the player reported): re-evaluate now, not at the next tick. */
  presenceChanged (): void
  /** Evicts titles until the data dir fits its cap; returns what was planned. */
  enforceDiskCap (options?: { signal?: AbortSignal }): Promise<EvictionPlan>
}

export function createSeedingPolicy (init: SeedingPolicyInit, components: SeedingPolicyComponents): SeedingPolicy {
  return new DefaultSeedingPolicy(init, components)
}

class DefaultSeedingPolicy implements SeedingPolicy {
  private readonly log: Logger
  private readonly now: () => number
  private readonly store: SettingsStore
  private readonly accounting: ShareAccounting
  private readonly history: LastStreamed
  private readonly idle: IdleDetector
  private readonly budget: BandwidthBudget
  private allowance: UploadAllowance = { mode: 'open', rate: 0, reason: 'idle' }
  private timer: NodeJS.Timeout | undefined
  private lastSaveAt = 0
  private lastDiskCheckAt = 0
  /** When the engine was last asked who watched: the next sample counts every reader since. */
  private lastSampleAt = 0
  /** Cap and month the engine's upload quota was last set for. */
  private quotaKey: string | undefined
  private saving: Promise<void> = Promise.resolve()
  private evicting: Promise<EvictionPlan> | undefined
  private running = false

  constructor (private readonly init: SeedingPolicyInit, private readonly components: SeedingPolicyComponents) {
    this.log = components.log.child({ component: 'seeding' })
    this.now = components.now ?? Date.now
    this.store = new SettingsStore(init.dataDir, this.log)
    this.accounting = new ShareAccounting({ dataDir: init.dataDir, now: this.now, log: this.log })
    this.history = new LastStreamed(init.dataDir, this.log)
    this.idle = new IdleDetector({ quietPeriodMs: () => this.store.get().quietPeriodSeconds * 1000, now: this.now })
    this.budget = new BandwidthBudget({ settings: () => this.store.get(), now: this.now })
  }

  async start (): Promise<void> {
    if (this.running) return
    await Promise.all([this.store.load(), this.accounting.load(), this.history.load()])
    this.running = true
    this.lastSaveAt = this.lastDiskCheckAt = this.lastSampleAt = this.now()
    this.tick()
    this.timer = setInterval(() => this.tick(), this.init.tickMs ?? 1000)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.timer)
    this.sample()
    await this.evicting?.catch(() => {})
    await this.save()
  }

  settings (): SeedingSettings {
    return this.store.get()
  }

  async updateSettings (patch: unknown): Promise<SeedingSettings> {
    const settings = await this.store.update(patch)
    this.log.info({ settings }, 'sharing settings changed')
    if (this.running) {
      this.tick()
      this.checkDisk()
    }
    return settings
  }

  presenceChanged (): void {
    if (this.running) this.tick()
  }

  sharing (): SharingView {
    const settings = this.store.get()
    const snapshot = this.accounting.snapshot()
    const { mode, reason, rate, window } = this.allowance
    return {
      ...snapshot,
      presence: this.idle.presence(),
      idleInMs: this.idle.msUntilIdle(),
      allowance: { mode, reason, rateLimit: mode === 'closed' ? 0 : rate === 0 ? null : rate, ...(window !== undefined ? { window: { start: window.start, end: window.end } } : {}) },
      monthlyCap: settings.monthlyCap,
      remainingThisMonth: settings.monthlyCap === null ? null : Math.max(0, settings.monthlyCap - snapshot.sharedThisMonth),
      budget: settings
    }
  }

  /** Samples the engine, decides, applies. Never throws: a failure is logged and the next tick retries. */
  private tick (): void {
    try {
      const watched = this.sample()
      const presence = this.idle.observe({ streams: watched.length, playerVisible: this.components.player?.isPlayingVisible() ?? false })
      const allowance = this.budget.inForce({ watching: presence === 'watching', sharedThisMonth: this.accounting.sharedMonth })
      const engine = this.components.engine
      engine.setUploadRateLimit(allowance.rate)
      this.applyQuota()
      engine.setUploadMode(allowance.mode)
      const previous = this.allowance
      this.allowance = allowance
      if (previous.mode !== allowance.mode || previous.reason !== allowance.reason) {
        this.log.info({ mode: allowance.mode, reason: allowance.reason, rate: allowance.rate, presence }, 'upload allowance changed')
        if (allowance.reason === 'cap-reached') this.lastSaveAt = -Infinity
      }
      const now = this.now()
      if (now - this.lastSaveAt >= (this.init.saveIntervalMs ?? 10_000)) {
        this.lastSaveAt = now
        void this.save()
      }
      if (now - this.lastDiskCheckAt >= (this.init.diskCheckIntervalMs ?? 60_000)) this.checkDisk()
    } catch (err) {
      this.log.error({ err }, 'seeding policy tick failed')
    }
  }

  /**
   * Hands the engine what is left of the monthly cap as a hard byte quota, so the cap holds to
   * the byte however late a tick comes. Set again only when the cap or the month changes: the
   * engine counts down every byte it reserves, which is at least what the accounting sees.
   */
  private applyQuota (): void {
    const cap = this.store.get().monthlyCap
    const key = `${String(cap)}|${this.accounting.snapshot().month}`
    if (key === this.quotaKey) return
    this.quotaKey = key
    this.components.engine.setUploadQuota(cap === null ? undefined : cap - this.accounting.sharedMonth)
  }

  /**
   * Feeds the accounting and the watch history; returns the torrents someone watched since the
   * last sample, however short the read (probes and posters, background readers, do not count).
   */
  private sample (): string[] {
    const engine = this.components.engine
    const stats = engine.list().map(torrent => torrent.stats())
    this.accounting.record({
      counters: stats.map(s => ({ infoHash: s.infoHash, uploadedBytes: s.uploadedBytes })),
      rate: stats.reduce((sum, s) => sum + s.uploadRate, 0),
      servingPeers: engine.servingPeers()
    })
    const since = this.lastSampleAt
    this.lastSampleAt = this.now()
    const watched = engine.watchedTorrents(since)
    for (const infoHash of watched) this.history.watched(infoHash, this.lastSampleAt)
    return watched
  }

  private async save (): Promise<void> {
    const write = this.saving.then(async () => {
      await this.accounting.save()
      await this.history.save()
    })
    this.saving = write.catch(err => this.log.error({ err }, 'could not save sharing accounting; retrying later'))
    await this.saving
  }

  private checkDisk (): void {
    this.lastDiskCheckAt = this.now()
    if (this.evicting !== undefined) return
    this.enforceDiskCap().catch(err => this.log.error({ err }, 'disk cap check failed'))
  }

  async enforceDiskCap (options: { signal?: AbortSignal } = {}): Promise<EvictionPlan> {
    if (this.evicting !== undefined) return await this.evicting
    this.evicting = this.evict(options.signal)
    try {
      return await this.evicting
    } finally {
      this.evicting = undefined
    }
  }

  private async evict (signal: AbortSignal | undefined): Promise<EvictionPlan> {
    const cap = this.store.get().diskCap
    if (cap === null) return { evict: [], freedBytes: 0, shortBy: 0 }
    const { engine, rentals } = this.components
    const filesystemBytes = 'percent' in cap ? await (this.components.filesystemBytes ?? filesystemSize)(this.init.dataDir) : 0
    const playing = new Set(engine.streamingTorrents())
    const titles = engine.list().map(torrent => torrent.stats()).map(stats => ({
      infoHash: stats.infoHash,
      bytes: bytesOnDisk(stats),
      complete: stats.state === 'seeding',
      lastWatchedAt: this.history.lastWatchedAt(stats.infoHash),
      playing: playing.has(stats.infoHash),
      protected: rentals?.isProtected(stats.infoHash) ?? false
    }))
    const plan = planEviction({ capBytes: capBytesOf(cap, filesystemBytes), usedBytes: titles.reduce((sum, t) => sum + t.bytes, 0), titles })
    for (const infoHash of plan.evict) {
      if (signal?.aborted === true) throw new AbortedError('disk cap enforcement cancelled')
      // Presence may have changed while we planned: never delete what started playing since.
      if (engine.streamingTorrents().includes(infoHash)) continue
      await engine.evictData(infoHash)
      this.log.info({ infoHash }, 'evicted to keep the data dir under its cap')
    }
    if (plan.shortBy > 0) this.log.warn({ shortBy: plan.shortBy }, 'data dir stays over its cap: every remaining title is playing, protected or incomplete')
    return plan
  }
}

function bytesOnDisk (stats: TorrentStats): number {
  return stats.files.reduce((sum, file) => sum + file.verifiedBytes, 0)
}

async function filesystemSize (dir: string): Promise<number> {
  const fs = await statfs(dir)
  return fs.blocks * fs.bsize
}
