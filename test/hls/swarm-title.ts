/**
 * Real media fixtures as torrents: a multi-file torrent whose film is not file 0 (a text file
 * comes first) and a single-file moov-at-end MP4, seeded by libtorrent over a local tracker.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import createTorrent from 'create-torrent'
import parseTorrent from 'parse-torrent'
import { startTracker, tempDir } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import type { Teardown } from '../helpers/scope.js'

export interface SwarmTitle {
  torrentFile: Uint8Array
  infoHash: string
  /** Index of each file by its name inside the torrent. */
  indexOf: (name: string) => number
}

async function makeTorrent (path: string, name: string, announce: string): Promise<SwarmTitle> {
  const torrentFile = await new Promise<Uint8Array>((resolve, reject) => {
    createTorrent(path, {
      name, announceList: [[announce]], pieceLength: 64 * 1024, private: false,
      createdBy: 'reel-hls-test', creationDate: new Date('2025-01-01T00:00:00Z')
    }, (err, torrent) => { if (err !== null) reject(err); else resolve(torrent) })
  })
  const parsed = await parseTorrent(torrentFile)
  const files = (parsed as unknown as { files: Array<{ name: string }> }).files
  return {
    torrentFile,
    infoHash: parsed.infoHash,
    indexOf: n => {
      const index = files.findIndex(f => f.name === n)
      if (index < 0) throw new Error(`no ${n} in the torrent`)
      return index
    }
  }
}

/** Two titles seeded by one libtorrent peer each (upload capped so the film streams rather than lands at once). */
export async function seedTitles (t: Teardown, fixtures: { film: string, moovEnd: string, uploadLimit?: number }): Promise<{ multi: SwarmTitle, single: SwarmTitle }> {
  const tracker = await startTracker(t)
  const base = await tempDir(t, 'reel-hls-swarm-')
  const save = join(base, 'data')
  await mkdir(join(save, 'Film'), { recursive: true })
  await writeFile(join(save, 'Film', 'a-readme.txt'), 'This torrent holds a film.\n'.repeat(200))
  await copyFile(fixtures.film, join(save, 'Film', 'b-film.mkv'))
  await copyFile(fixtures.moovEnd, join(save, 'moov-end.mp4'))
  const multi = await makeTorrent(join(save, 'Film'), 'Film', tracker.announceUrl)
  const single = await makeTorrent(join(save, 'moov-end.mp4'), 'moov-end.mp4', tracker.announceUrl)
  for (const [title, name] of [[multi, 'multi'], [single, 'single']] as const) {
    const torrentPath = join(base, `${name}.torrent`)
    await writeFile(torrentPath, title.torrentFile)
    await startLibtorrentPeer(t, { torrentPath, save, mode: 'seed', uploadLimit: fixtures.uploadLimit ?? 1024 * 1024, name: `lt-${name}` })
  }
  return { multi, single }
}
