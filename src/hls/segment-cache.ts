/**
 * Finished segments on disk, `<dir>/<infoHash>-<fileIndex>/seg-<n>.ts`, under a byte limit with
 * least-recently-used eviction. The index lives in memory (a Map in use order) and is rebuilt
 * from the folder at start. Segments used in the last few seconds are never evicted, so a file
 * handed to an HTTP response is not removed under it.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { parseSegmentName, segmentName } from './segment-plan.js'
import type { Clock, MediaFile, TitleFile } from './types.js'

const PROTECT_RECENT_MS = 10_000

interface Entry { path: string, size: number, usedAt: number }

export class SegmentCache {
  private readonly entries = new Map<string, Entry>()
  private bytes = 0

  constructor (private readonly init: { dir: string, limitBytes: number, clock: Clock, log: Logger }) {}

  async start (): Promise<void> {
    await mkdir(this.init.dir, { recursive: true })
    const titles = await readdir(this.init.dir, { withFileTypes: true })
    const found: Array<{ key: string, entry: Entry, mtime: number }> = []
    for (const title of titles.filter(d => d.isDirectory())) {
      for (const name of await readdir(join(this.init.dir, title.name))) {
        const path = join(this.init.dir, title.name, name)
        if (parseSegmentName(name) === undefined) { await rm(path, { force: true }); continue }
        const info = await stat(path).catch(() => undefined)
        if (info === undefined) continue
        found.push({ key: `${title.name}/${name}`, entry: { path, size: info.size, usedAt: info.mtimeMs }, mtime: info.mtimeMs })
      }
    }
    for (const { key, entry } of found.sort((a, b) => a.mtime - b.mtime)) {
      this.entries.set(key, entry)
      this.bytes += entry.size
    }
    await this.evict()
  }

  /** The cached segment, marked as just used; undefined when absent. */
  get (file: TitleFile, index: number): MediaFile | undefined {
    const key = keyOf(file, index)
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    this.entries.delete(key)
    entry.usedAt = this.init.clock.now()
    this.entries.set(key, entry)
    return { path: entry.path, size: entry.size }
  }

  /** Moves a finished segment (same file system) into the cache, then evicts down to the limit. */
  async put (file: TitleFile, index: number, from: string): Promise<MediaFile> {
    const key = keyOf(file, index)
    const path = join(this.init.dir, key)
    await mkdir(join(this.init.dir, titleKey(file)), { recursive: true })
    await rename(from, path)
    const { size } = await stat(path)
    const old = this.entries.get(key)
    if (old !== undefined) { this.bytes -= old.size; this.entries.delete(key) }
    this.entries.set(key, { path, size, usedAt: this.init.clock.now() })
    this.bytes += size
    await this.evict()
    return { path, size }
  }

  stats (): { bytes: number, limitBytes: number, segments: number } {
    return { bytes: this.bytes, limitBytes: this.init.limitBytes, segments: this.entries.size }
  }

  private async evict (): Promise<void> {
    const protectAfter = this.init.clock.now() - PROTECT_RECENT_MS
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.init.limitBytes) break
      if (entry.usedAt > protectAfter) continue
      this.entries.delete(key)
      this.bytes -= entry.size
      await rm(entry.path, { force: true })
      this.init.log.debug({ segment: key, size: entry.size }, 'segment evicted')
    }
  }
}

export function titleKey (file: Pick<TitleFile, 'infoHash' | 'fileIndex'>): string {
  return `${file.infoHash}-${file.fileIndex}`
}

function keyOf (file: TitleFile, index: number): string {
  return `${titleKey(file)}/${segmentName(index)}`
}
