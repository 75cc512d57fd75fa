/**
 * Where a web seed's bytes live: each file's URL by BEP 19's rules, and how a torrent-global
 * byte range splits into per-file parts. Pure; every part maps one-to-one onto a slice of the
 * caller's buffer, so a part can never land at the wrong address.
 */
import { BadTorrentError, RangeNotSatisfiableError, UnsafePathError, WebSeedError } from '../errors.js'

/** One file of the torrent as a web seed sees it. */
export interface WebSeedFile {
  index: number
  /** '/'-separated; for a multi-file torrent the first segment is the torrent name. */
  path: string
  length: number
  /** Start of the file in torrent byte space. */
  offset: number
  /** A BEP 47 padding file: never on the server, its bytes are zeros and are filled locally. */
  pad?: boolean
}

/** A slice of one file: file bytes [start, start+length) go to buffer bytes [at, at+length). */
export interface FilePart {
  file: WebSeedFile
  url: string
  start: number
  length: number
  at: number
}

/** The URL of every file (by file index), following BEP 19; throws WebSeedError or UnsafePathError. */
export function fileUrls (url: string, torrentName: string, multiFile: boolean, files: ReadonlyArray<WebSeedFile>): Map<number, string> {
  let base: URL
  try {
    base = new URL(url)
  } catch (err) {
    throw new WebSeedError(`web seed ${JSON.stringify(url)} is not a valid URL`, { cause: err })
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new WebSeedError(`web seed ${url} is not an http(s) URL; only HTTP web seeds are supported`)
  }
  const urls = new Map<number, string>()
  // Segments are appended to the path, so a query string on the seed URL (a CDN token) is kept.
  const withPath = (segments: string[]): string => {
    const target = new URL(base.href)
    target.pathname = target.pathname + segments.map(encodeSegment).join('/')
    return target.href
  }
  if (!multiFile) {
    if (files.length !== 1) throw new BadTorrentError(`a single-file torrent has ${files.length} files`)
    const only = files[0] as WebSeedFile
    urls.set(only.index, base.pathname.endsWith('/') ? withPath([torrentName]) : base.href)
    return urls
  }
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  for (const file of files) {
    if (file.pad === true) continue
    const segments = file.path.split('/')
    if (segments.length < 2) throw new BadTorrentError(`multi-file path ${JSON.stringify(file.path)} does not start with the torrent name`)
    urls.set(file.index, withPath([torrentName, ...segments.slice(1)]))
  }
  return urls
}

// The URL parser resolves "." and ".." (even percent-encoded), so they could address another file.
function encodeSegment (segment: string): string {
  if (segment === '' || segment === '.' || segment === '..') {
    throw new UnsafePathError(`the path segment ${JSON.stringify(segment)} cannot be used in a web seed URL`)
  }
  return encodeURIComponent(segment)
}

/** The torrent's files in byte order, answering which file parts hold a range. */
export class WebSeedLayout {
  private readonly files: WebSeedFile[]
  readonly totalLength: number

  constructor (files: ReadonlyArray<WebSeedFile>, private readonly urls: ReadonlyMap<number, string>) {
    this.files = files.filter(file => file.length > 0).sort((a, b) => a.offset - b.offset)
    let end = 0
    for (const file of this.files) {
      if (!Number.isSafeInteger(file.offset) || !Number.isSafeInteger(file.length) || file.offset < end) {
        throw new BadTorrentError(`file ${file.index} (${file.path}) overlaps the file before it or has a bad offset`)
      }
      end = file.offset + file.length
    }
    this.totalLength = end
  }

  /** The parts holding torrent bytes [offset, offset+length); throws RangeNotSatisfiableError if any byte is in no file. */
  parts (offset: number, length: number): FilePart[] {
    const end = offset + length
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || end > this.totalLength) {
      throw new RangeNotSatisfiableError(`bytes ${offset}-${end - 1} are not inside the torrent's ${this.totalLength} bytes`, this.totalLength)
    }
    const parts: FilePart[] = []
    let cursor = offset
    for (const file of this.files) {
      if (cursor >= end) break
      const fileEnd = file.offset + file.length
      if (fileEnd <= cursor) continue
      if (file.offset > cursor) {
        throw new RangeNotSatisfiableError(`torrent byte ${cursor} is in no file`, this.totalLength)
      }
      const partEnd = Math.min(end, fileEnd)
      parts.push({ file, url: this.urls.get(file.index) ?? '', start: cursor - file.offset, length: partEnd - cursor, at: cursor - offset })
      cursor = partEnd
    }
    if (cursor < end) throw new RangeNotSatisfiableError(`torrent byte ${cursor} is in no file`, this.totalLength)
    return parts
  }
}
