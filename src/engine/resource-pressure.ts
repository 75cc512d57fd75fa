/**
 * Measures how short the box is of memory and data-disk space, for the readahead window. It
 * samples every few seconds (statfs is a syscall, RSS a read of /proc) and serves the last
 * sample synchronously, so the hot path that computes deadlines never waits on I/O.
 */
import { statfs } from 'node:fs/promises'
import { freemem } from 'node:os'
import { NO_PRESSURE, type ReadaheadPressure } from './readahead.js'

export const DEFAULT_MEMORY_BUDGET_BYTES = 192 * 1024 * 1024
const SAMPLE_INTERVAL_MS = 5000
/** Below this much free system memory the box is under pressure whatever our own RSS is. */
const LOW_SYSTEM_MEMORY_BYTES = 64 * 1024 * 1024

/** Where the measurements come from; tests replace them. */
export interface PressureProbes {
  rssBytes: () => number
  systemFreeBytes: () => number
  diskFreeBytes: (dir: string) => Promise<number>
}

export interface ResourcePressureInit {
  /** The filesystem whose free space bounds the readahead. */
  dataDir: string
  /** RSS the daemon should stay under (its systemd MemoryHigh); default 192 MiB. */
  memoryBudgetBytes?: number
  probes?: Partial<PressureProbes>
}

const systemProbes: PressureProbes = {
  rssBytes: () => process.memoryUsage.rss(),
  systemFreeBytes: () => freemem(),
  diskFreeBytes: async dir => {
    const fs = await statfs(dir)
    return fs.bavail * fs.bsize
  }
}

export class ResourcePressure {
  private last: ReadaheadPressure = NO_PRESSURE
  private timer: NodeJS.Timeout | undefined
  private readonly probes: PressureProbes
  private readonly budget: number

  constructor (private readonly init: ResourcePressureInit) {
    this.probes = { ...systemProbes, ...init.probes }
    this.budget = init.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES
  }

  /** The latest sample; no pressure until the first one is taken. */
  current (): ReadaheadPressure {
    return this.last
  }

  async sample (): Promise<ReadaheadPressure> {
    const ownShare = this.probes.rssBytes() / this.budget
    const systemShort = this.probes.systemFreeBytes() < LOW_SYSTEM_MEMORY_BYTES
    // A data dir that cannot be measured (removed, not mounted yet) bounds nothing.
    const diskFreeBytes = await this.probes.diskFreeBytes(this.init.dataDir).catch(() => Number.POSITIVE_INFINITY)
    this.last = { memory: systemShort ? Math.max(1, ownShare) : ownShare, diskFreeBytes }
    return this.last
  }

  start (): void {
    if (this.timer !== undefined) return
    void this.sample()
    this.timer = setInterval(() => { void this.sample() }, SAMPLE_INTERVAL_MS)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}
