/**
 * A small LRU of open file handles, so a torrent with thousands of files never holds more than
 * `capacity` descriptors while busy files stay open. A handle in use is never closed under its
 * user: eviction and replacement wait until its last user releases it.
 */
import type { FileHandle } from 'node:fs/promises'
import { AbortedError } from '../errors.js'

export type OpenMode = 'read' | 'write'

/** Opens `path`; for 'read' it may return a read-only handle (`writable: false`). */
export type HandleOpener = (path: string, mode: OpenMode) => Promise<{ handle: FileHandle, writable: boolean }>

interface Entry {
  opening: Promise<{ handle: FileHandle, writable: boolean }>
  writable: boolean
  users: number
  retired: boolean
}

export class FileHandlePool {
  // Map iteration order is insertion order: re-inserting on use keeps the LRU at the front.
  private readonly entries = new Map<string, Entry>()
  private closed = false

  constructor (private readonly openHandle: HandleOpener, private readonly capacity: number) {}

  /** Runs `fn` with an open handle for `path` (keyed by the torrent path). */
  async use<T>(path: string, mode: OpenMode, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    if (this.closed) throw new AbortedError('the torrent\'s files are closed')
    const entry = this.acquire(path, mode)
    try {
      const { handle } = await entry.opening
      return await fn(handle)
    } finally {
      entry.users--
      if (entry.retired && entry.users === 0) await closeQuietly(entry)
      this.evict()
    }
  }

  async closeAll (): Promise<void> {
    this.closed = true
    const all = [...this.entries.values()]
    this.entries.clear()
    for (const entry of all) entry.retired = true
    await Promise.all(all.filter(e => e.users === 0).map(closeQuietly))
  }

  private acquire (path: string, mode: OpenMode): Entry {
    let entry = this.entries.get(path)
    if (entry !== undefined && mode === 'write' && !entry.writable) {
      this.entries.delete(path)
      entry.retired = true
      if (entry.users === 0) void closeQuietly(entry)
      entry = undefined
    }
    if (entry === undefined) {
      const fresh: Entry = { opening: this.openHandle(path, mode), writable: mode === 'write', users: 0, retired: false }
      fresh.opening.then(
        opened => { fresh.writable = opened.writable },
        () => { if (this.entries.get(path) === fresh) this.entries.delete(path) })
      entry = fresh
    }
    this.entries.delete(path)
    this.entries.set(path, entry)
    entry.users++
    this.evict()
    return entry
  }

  private evict (): void {
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return
      if (entry.users > 0) continue
      this.entries.delete(path)
      entry.retired = true
      void closeQuietly(entry)
    }
  }
}

async function closeQuietly (entry: Entry): Promise<void> {
  try {
    const { handle } = await entry.opening
    await handle.close()
  } catch {
    // Failed opens have nothing to close; a failing close has already released the descriptor.
  }
}
