/**
 * What the engine remembers across restarts: one `<infoHash>.torrent` (metadata known) or
 * `<infoHash>.magnet` (still fetching metadata) per torrent in the state dir, written
 * atomically so a power cut leaves either the old or the new file.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

export type SavedTorrent = { infoHash: string, torrentFile: Uint8Array } | { infoHash: string, magnet: string }

export class TorrentRegistry {
  constructor (private readonly stateDir: string) {}

  async init (): Promise<void> {
    await mkdir(this.stateDir, { recursive: true })
  }

  async saveTorrent (infoHash: string, torrentFile: Uint8Array): Promise<void> {
    await this.writeAtomically(join(this.stateDir, `${infoHash}.torrent`), torrentFile)
    await rm(join(this.stateDir, `${infoHash}.magnet`), { force: true })
  }

  async saveMagnet (infoHash: string, magnet: string): Promise<void> {
    await this.writeAtomically(join(this.stateDir, `${infoHash}.magnet`), Buffer.from(magnet))
  }

  async forget (infoHash: string): Promise<void> {
    await rm(join(this.stateDir, `${infoHash}.torrent`), { force: true })
    await rm(join(this.stateDir, `${infoHash}.magnet`), { force: true })
  }

  async load (): Promise<SavedTorrent[]> {
    const saved: SavedTorrent[] = []
    for (const name of (await readdir(this.stateDir)).sort()) {
      const match = /^([0-9a-f]{40})\.(torrent|magnet)$/.exec(name)
      if (match === null) continue
      const infoHash = match[1] as string
      const bytes = await readFile(join(this.stateDir, name))
      if (match[2] === 'torrent') saved.push({ infoHash, torrentFile: bytes })
      else if (!saved.some(entry => entry.infoHash === infoHash)) saved.push({ infoHash, magnet: bytes.toString('utf8') })
    }
    return saved
  }

  private async writeAtomically (path: string, bytes: Uint8Array): Promise<void> {
    const tmp = `${path}.tmp`
    const handle = await open(tmp, 'w')
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
    const dir = await open(this.stateDir, 'r')
    try { await dir.sync() } finally { await dir.close() }
  }
}
