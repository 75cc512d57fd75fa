/**
 * Which titles to delete when the data dir is over its cap. Pure. Only complete titles are
 * candidates, least recently watched first (never watched counts as oldest; ties go to the
 * larger title, then the info hash, so the plan is deterministic). Never the title playing,
 * never one the rental store protects (an unexpired rental not yet watched).
 */
import type { DiskCap } from './settings.js'

export interface StoredTitle {
  infoHash: string
  /** Bytes the title holds on disk. */
  bytes: number
  complete: boolean
  /** Epoch ms of the last playback; undefined if never watched on this box. */
  lastWatchedAt: number | undefined
  playing: boolean
  protected: boolean
}

export interface EvictionInput {
  capBytes: number
  /** Bytes the data dir holds now (may exceed the sum of the titles: caches, partial files). */
  usedBytes: number
  titles: readonly StoredTitle[]
}

export interface EvictionPlan {
  /** In eviction order. */
  evict: string[]
  freedBytes: number
  /** Bytes still over the cap after the plan (0 when it fits). */
  shortBy: number
}

export function planEviction (input: EvictionInput): EvictionPlan {
  let over = input.usedBytes - input.capBytes
  const evict: string[] = []
  let freedBytes = 0
  if (over <= 0) return { evict, freedBytes, shortBy: 0 }
  const candidates = input.titles
    .filter(title => title.complete && !title.playing && !title.protected && title.bytes > 0)
    .sort((a, b) => (a.lastWatchedAt ?? -Infinity) - (b.lastWatchedAt ?? -Infinity) || b.bytes - a.bytes || a.infoHash.localeCompare(b.infoHash))
  for (const title of candidates) {
    if (over <= 0) break
    evict.push(title.infoHash)
    freedBytes += title.bytes
    over -= title.bytes
  }
  return { evict, freedBytes, shortBy: Math.max(0, over) }
}

/** The cap in bytes for a filesystem of `filesystemBytes`. */
export function capBytesOf (cap: DiskCap, filesystemBytes: number): number {
  return 'bytes' in cap ? cap.bytes : Math.floor(filesystemBytes * cap.percent / 100)
}
