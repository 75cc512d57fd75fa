/**
 * When each torrent was last streamed on this box (any reader: the player's HLS sessions and
 * plain /stream clients alike), for least-recently-watched eviction; kept in
 * `<dataDir>/seeding/watched.json`. A corrupt file is logged and treated as no history.
 * Resume positions are another matter, kept by src/rental/watch-history.ts.
 */
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { readJsonFile, writeJsonFileAtomically } from '../store/index.js'

export class LastStreamed {
  readonly path: string
  private readonly lastWatched = new Map<string, number>()
  private dirty = false

  constructor (dataDir: string, private readonly log: Logger) {
    this.path = join(dataDir, 'seeding', 'watched.json')
  }

  async load (): Promise<void> {
    let stored: unknown
    try {
      stored = await readJsonFile(this.path)
    } catch (err) {
      this.log.error({ err, path: this.path }, 'watch history unreadable; eviction treats every title as never watched')
      return
    }
    if (typeof stored !== 'object' || stored === null) return
    for (const [infoHash, at] of Object.entries(stored)) {
      if (/^[0-9a-f]{40}$/.test(infoHash) && typeof at === 'number' && Number.isFinite(at)) this.lastWatched.set(infoHash, at)
    }
  }

  watched (infoHash: string, at: number): void {
    this.lastWatched.set(infoHash, at)
    this.dirty = true
  }

  lastWatchedAt (infoHash: string): number | undefined {
    return this.lastWatched.get(infoHash)
  }

  async save (): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    try {
      await writeJsonFileAtomically(this.path, Object.fromEntries(this.lastWatched))
    } catch (err) {
      this.dirty = true
      throw err
    }
  }
}
