/**
 * Turns untrusted .torrent bytes and magnet links into a validated Metainfo. Everything a
 * malicious or broken torrent could use against the box (path traversal, absurd sizes,
 * inconsistent piece tables) is refused here with a BadTorrentError naming the field.
 */
import { createHash } from 'node:crypto'
import bencode from 'bencode'
import parseTorrent from 'parse-torrent'
import { BadTorrentError, UnsafePathError } from '../errors.js'
import type { TorrentFileInfo } from './types.js'

export const MAX_TORRENT_FILE_BYTES = 16 * 1024 * 1024
const MAX_PIECE_LENGTH = 128 * 1024 * 1024
const MAX_FILES = 100_000
const INFO_HASH = /^[0-9a-f]{40}$/

export interface Metainfo {
  infoHash: string
  name: string
  pieceLength: number
  pieceCount: number
  length: number
  pieceHashes: Uint8Array[]
  files: TorrentFileInfo[]
  announce: string[]
  urlList: string[]
  private: boolean
  /** The bencoded info dictionary, served to peers over ut_metadata. */
  infoBuffer: Uint8Array
}

export interface MagnetLink {
  infoHash: string
  name: string
  announce: string[]
  /** Peers given in the link (x.pe), "host:port". */
  peers: string[]
}

/** Refuses a path segment that could leave the torrent's folder or confuse a file system. */
export function assertSafeSegment (segment: string, where: string): void {
  if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment) || /^[a-zA-Z]:/.test(segment)) {
    throw new UnsafePathError(`torrent file name ${JSON.stringify(segment)} in ${where} is not allowed: names may not be empty, '.', '..', a drive, or contain '/', '\\' or NUL`)
  }
}

function text (value: unknown, field: string): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
  throw new BadTorrentError(`torrent field ${field} is missing or not a string`)
}

function safeInteger (value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BadTorrentError(`torrent field ${field} must be an integer between ${min} and ${max}`)
  }
  return value
}

/** Validates a decoded info dictionary and lays out its files; shared by .torrent files and ut_metadata. */
export function metainfoFromInfo (info: any, extra: { announce?: string[], urlList?: string[] } = {}): Metainfo {
  if (info === null || typeof info !== 'object' || info instanceof Uint8Array) throw new BadTorrentError('torrent has no info dictionary')
  const name = text(info['name.utf-8'] ?? info.name, 'info.name')
  assertSafeSegment(name, 'info.name')
  const pieceLength = safeInteger(info['piece length'], 'info["piece length"]', 1, MAX_PIECE_LENGTH)
  if (!(info.pieces instanceof Uint8Array) || info.pieces.length % 20 !== 0 || info.pieces.length === 0) {
    throw new BadTorrentError('torrent field info.pieces must be a non-empty multiple of 20 bytes (one SHA-1 per piece)')
  }
  const files: TorrentFileInfo[] = []
  let offset = 0
  if (info.files !== undefined) {
    if (!Array.isArray(info.files) || info.files.length === 0) throw new BadTorrentError('torrent field info.files must be a non-empty list')
    if (info.files.length > MAX_FILES) throw new BadTorrentError(`torrent lists ${info.files.length} files; at most ${MAX_FILES} are supported`)
    info.files.forEach((file: any, index: number) => {
      const where = `info.files[${index}]`
      const length = safeInteger(file?.length, `${where}.length`, 0, Number.MAX_SAFE_INTEGER)
      const rawPath = file['path.utf-8'] ?? file.path
      if (!Array.isArray(rawPath) || rawPath.length === 0) throw new BadTorrentError(`torrent field ${where}.path must be a non-empty list`)
      const segments = rawPath.map((segment: unknown) => text(segment, `${where}.path`))
      segments.forEach(segment => assertSafeSegment(segment, `${where}.path`))
      files.push({ index, path: [name, ...segments].join('/'), length, offset })
      offset += length
    })
  } else {
    const length = safeInteger(info.length, 'info.length', 0, Number.MAX_SAFE_INTEGER)
    files.push({ index: 0, path: name, length, offset: 0 })
    offset = length
  }
  const seen = new Set<string>()
  for (const file of files) {
    if (seen.has(file.path)) throw new BadTorrentError(`torrent lists the file ${JSON.stringify(file.path)} twice`)
    seen.add(file.path)
  }
  const length = offset
  if (length === 0) throw new BadTorrentError('torrent holds no data (total length 0)')
  const pieceCount = Math.ceil(length / pieceLength)
  if (info.pieces.length / 20 !== pieceCount) {
    throw new BadTorrentError(`torrent has ${info.pieces.length / 20} piece hashes but its files need ${pieceCount} pieces of ${pieceLength} bytes`)
  }
  const pieceHashes: Uint8Array[] = []
  for (let i = 0; i < pieceCount; i++) pieceHashes.push(info.pieces.subarray(i * 20, i * 20 + 20))
  const infoBuffer = bencode.encode(info)
  return {
    infoHash: createHash('sha1').update(infoBuffer).digest('hex'),
    name,
    pieceLength,
    pieceCount,
    length,
    pieceHashes,
    files,
    announce: extra.announce ?? [],
    urlList: extra.urlList ?? [],
    private: info.private === 1,
    infoBuffer
  }
}

/** Parses a .torrent file. Throws BadTorrentError (or UnsafePathError) saying what is wrong. */
export async function parseTorrentFile (bytes: Uint8Array): Promise<Metainfo> {
  if (bytes.length === 0) throw new BadTorrentError('torrent file is empty')
  if (bytes.length > MAX_TORRENT_FILE_BYTES) throw new BadTorrentError(`torrent file is ${bytes.length} bytes; at most ${MAX_TORRENT_FILE_BYTES} are accepted`)
  let decoded: any
  try {
    decoded = bencode.decode(bytes)
  } catch (err) {
    throw new BadTorrentError(`torrent file is not valid bencode: ${(err as Error).message}`)
  }
  if (decoded === null || typeof decoded !== 'object' || decoded instanceof Uint8Array || Array.isArray(decoded)) {
    throw new BadTorrentError('torrent file is not a bencoded dictionary')
  }
  const metainfo = metainfoFromInfo(decoded.info)
  // parse-torrent reads the tracker and web seed lists (announce-list tiers, url-list forms).
  let parsed
  try {
    parsed = await parseTorrent(bytes)
  } catch (err) {
    throw new BadTorrentError(`torrent file could not be read: ${(err as Error).message}`)
  }
  metainfo.announce = (parsed.announce ?? []).filter(isUsableTrackerUrl)
  metainfo.urlList = (parsed.urlList ?? []).filter(url => /^https?:\/\//.test(url))
  return metainfo
}

function isUsableTrackerUrl (url: string): boolean {
  return /^(https?|udp|wss?):\/\//.test(url)
}

/** Parses a magnet link (BEP 9). Only btih (v1) info hashes are supported. */
export async function parseMagnet (uri: string): Promise<MagnetLink> {
  if (!uri.startsWith('magnet:?')) throw new BadTorrentError('magnet link must start with "magnet:?"')
  if (uri.length > 64 * 1024) throw new BadTorrentError('magnet link is longer than 64 KiB')
  let parsed
  try {
    parsed = await parseTorrent(uri)
  } catch (err) {
    throw new BadTorrentError(`magnet link could not be read: ${(err as Error).message}`)
  }
  const infoHash = parsed.infoHash?.toLowerCase()
  if (infoHash === undefined || !INFO_HASH.test(infoHash)) {
    throw new BadTorrentError('magnet link has no usable xt=urn:btih info hash (40 hex or 32 base32 characters)')
  }
  return {
    infoHash,
    name: typeof parsed.name === 'string' ? parsed.name : '',
    announce: (parsed.announce ?? []).filter(isUsableTrackerUrl),
    peers: parsed.peerAddresses ?? []
  }
}

/** Decodes metadata received over ut_metadata and checks it hashes to the expected info hash. */
export function metainfoFromMetadata (infoBytes: Uint8Array, expectedInfoHash: string, extra: { announce: string[] }): Metainfo {
  const actual = createHash('sha1').update(infoBytes).digest('hex')
  if (actual !== expectedInfoHash) throw new BadTorrentError(`metadata from peer hashes to ${actual}, expected ${expectedInfoHash}`)
  let info: any
  try {
    info = bencode.decode(infoBytes)
  } catch (err) {
    throw new BadTorrentError(`metadata from peer is not valid bencode: ${(err as Error).message}`)
  }
  const metainfo = metainfoFromInfo(info, extra)
  metainfo.infoBuffer = infoBytes
  metainfo.infoHash = expectedInfoHash
  return metainfo
}

/** A .torrent file for metadata learnt from a magnet link, kept so a restart needs no peers to know the torrent. */
export function encodeTorrentFile (metainfo: Metainfo): Uint8Array {
  const info = bencode.decode(metainfo.infoBuffer)
  const torrent: Record<string, unknown> = { info }
  if (metainfo.announce.length > 0) {
    torrent.announce = metainfo.announce[0]
    torrent['announce-list'] = metainfo.announce.map(url => [url])
  }
  if (metainfo.urlList.length > 0) torrent['url-list'] = metainfo.urlList
  return bencode.encode(torrent)
}

/** 1 for each piece holding bytes of a wanted file (every file when `wantedFiles` is undefined), else 0. */
export function wantedPieces (metainfo: Metainfo, wantedFiles: ReadonlySet<number> | undefined): Uint8Array {
  const wanted = new Uint8Array(metainfo.pieceCount)
  for (const file of metainfo.files) {
    if (file.length === 0 || (wantedFiles !== undefined && !wantedFiles.has(file.index))) continue
    const { first, last } = pieceSpan(metainfo.pieceLength, file.offset, file.length)
    wanted.fill(1, first, last + 1)
  }
  return wanted
}

/** The first and last piece holding bytes `[offset, offset + length)` of the torrent (length > 0). */
export function pieceSpan (pieceLength: number, offset: number, length: number): { first: number, last: number } {
  return { first: Math.floor(offset / pieceLength), last: Math.floor((offset + length - 1) / pieceLength) }
}
