/**
 * The titles on this box, derived from the engine's torrents each time they are asked for:
 * every video file of a torrent with metadata is a title `<infoHash>-<fileIndex>`, whatever
 * its place in the torrent. A torrent that holds no video at all still shows up, as one
 * unplayable title naming its largest file, so the viewer sees why it will not play.
 */
import { BadRequestError, FileNotFoundError, TorrentNotFoundError } from '../errors.js'
import type { Engine, FileStats, Torrent } from '../engine/types.js'
import type { Title } from './title.js'
import type { WatchHistory } from './watch-history.js'

export type { Title }

export interface CatalogComponents {
  engine: Pick<Engine, 'list' | 'get'>
  history: Pick<WatchHistory, 'get'>
}

export interface Catalog {
  /** Every title, torrent by torrent in the engine's order, files in torrent order. */
  list (): Title[]
  /** Throws BadRequestError (malformed id), TorrentNotFoundError, FileNotFoundError (no such file, or not a title). */
  get (id: string): Title
}

const VIDEO_EXTENSIONS = new Set([
  'mp4', 'm4v', 'mkv', 'webm', 'mov', 'avi', 'ts', 'm2ts', 'mts', 'mpg', 'mpeg', 'wmv', 'flv', 'ogv', '3gp'
])

const TITLE_ID = /^([0-9a-fA-F]{40})-(\d{1,9})$/

/** Whether a file name looks like a video (by extension; the HLS probe has the last word). */
export function isVideoPath (path: string): boolean {
  const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase()
  return ext !== undefined && VIDEO_EXTENSIONS.has(ext)
}

export function titleId (infoHash: string, fileIndex: number): string {
  return `${infoHash}-${fileIndex}`
}

/** Splits a title id. Throws BadRequestError. */
export function parseTitleId (id: string): { infoHash: string, fileIndex: number } {
  const match = TITLE_ID.exec(id)
  if (match === null) throw new BadRequestError(`a title id is "<40 hex digit infoHash>-<file index>"; got "${id.slice(0, 64)}"`)
  return { infoHash: (match[1] ?? '').toLowerCase(), fileIndex: Number(match[2]) }
}

/**
 * A name for people from a release-style file name: extension, bracketed tags and dots go,
 * and a year followed by release tags becomes "Name (Year)".
 */
export function humanName (fileOrTorrentName: string): string {
  const base = fileOrTorrentName.split('/').pop() ?? fileOrTorrentName
  const words = base
    .replace(/\.[a-z0-9]{2,4}$/i, '')
    .replace(/\[[^\]]*\]|\{[^}]*\}/g, ' ')
    .replace(/[._]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .split(' ')
  const yearAt = words.findIndex((w, i) => i > 0 && /^\(?(19|20)\d{2}\)?$/.test(w))
  if (yearAt > 0) return `${words.slice(0, yearAt).join(' ')} (${(words[yearAt] ?? '').replace(/[()]/g, '')})`
  const name = words.join(' ')
  return name === '' ? base : name
}

export function createCatalog (components: CatalogComponents): Catalog {
  const { engine, history } = components

  const titleOf = (torrent: Torrent, file: FileStats, videos: number, playable: boolean): Title => {
    const id = titleId(torrent.infoHash, file.index)
    const stats = torrent.stats()
    const watched = history.get(id)
    // One film in a folder torrent: the torrent's name is the better one ("Film (2008)" over "film.mkv").
    const name = (videos === 1 || !playable) && file.path.includes('/') ? humanName(torrent.name) : humanName(file.path)
    const base = `/hls/${torrent.infoHash}/${file.index}`
    const title: Title = {
      id,
      infoHash: torrent.infoHash,
      fileIndex: file.index,
      name,
      lengthBytes: file.length,
      progress: file.progress,
      state: stats.state,
      playable,
      posterUrl: `${base}/poster.jpg`,
      playlistUrl: `${base}/index.m3u8`,
      infoUrl: `${base}/info`,
      lastPositionSeconds: watched?.positionSeconds ?? 0,
      lastWatchedAt: watched?.watchedAt ?? null
    }
    if (!playable) title.notice = `"${file.path.split('/').pop() ?? file.path}" is not a video file; this torrent holds no film to play.`
    return title
  }

  const titlesOf = (torrent: Torrent): Title[] => {
    if (!torrent.hasMetadata) return []
    const files = torrent.stats().files
    const videos = files.filter(f => isVideoPath(f.path))
    if (videos.length > 0) return videos.map(f => titleOf(torrent, f, videos.length, true))
    const largest = files.reduce<FileStats | undefined>((best, f) => best === undefined || f.length > best.length ? f : best, undefined)
    return largest === undefined ? [] : [titleOf(torrent, largest, 0, false)]
  }

  return {
    list: () => engine.list().flatMap(titlesOf),
    get (id) {
      const { infoHash, fileIndex } = parseTitleId(id)
      const torrent = engine.get(infoHash)
      if (torrent === undefined) throw new TorrentNotFoundError(`no torrent ${infoHash} on this box; GET /api/titles lists the titles`)
      const title = titlesOf(torrent).find(t => t.fileIndex === fileIndex)
      if (title !== undefined) return title
      const file = torrent.hasMetadata ? torrent.files().find(f => f.index === fileIndex) : undefined
      if (file === undefined) throw new FileNotFoundError(`torrent ${infoHash} has no file ${fileIndex}; GET /api/titles lists the titles`)
      throw new FileNotFoundError(`file ${fileIndex} of torrent ${infoHash} ("${file.path}") is not a video, so it is not a title`)
    }
  }
}
