/**
 * Maps the torrent's byte space onto its files: which parts of which files a piece or a byte
 * range covers. Built once from validated metadata; zero-length files never appear in segments.
 */
import { BadTorrentError } from '../errors.js'
import { assertSafeTorrentPath } from './safe-path.js'

/** One file of the torrent as the store sees it. */
export interface StoreFile {
  /** `/`-separated path inside the torrent, as in the metainfo, e.g. `Film/video.mp4`. */
  path: string
  length: number
  /** Offset of the file's first byte in the torrent's byte space. */
  offset: number
}

/** A contiguous run of bytes inside one file. */
export interface Segment {
  file: number
  path: string
  /** Torrent-global offset of the run's first byte. */
  offset: number
  fileOffset: number
  length: number
}

export class TorrentLayout {
  readonly totalLength: number
  readonly pieceCount: number

  constructor (readonly files: readonly StoreFile[], readonly pieceLength: number) {
    if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) {
      throw new BadTorrentError(`piece length ${pieceLength} is not a positive integer`)
    }
    let expectedOffset = 0
    const paths = new Set<string>()
    const dirs = new Set<string>()
    for (const file of files) {
      assertSafeTorrentPath(file.path)
      if (!Number.isSafeInteger(file.length) || file.length < 0) {
        throw new BadTorrentError(`file ${file.path} has an invalid length ${file.length}`)
      }
      if (file.offset !== expectedOffset) {
        throw new BadTorrentError(
          `file ${file.path} starts at ${file.offset}, expected ${expectedOffset}: files must be contiguous and in order`)
      }
      expectedOffset += file.length
      paths.add(file.path)
      const segments = file.path.split('/')
      for (let i = 1; i < segments.length; i++) dirs.add(segments.slice(0, i).join('/'))
    }
    if (paths.size !== files.length) throw new BadTorrentError('two files of the torrent have the same path')
    for (const path of paths) {
      if (dirs.has(path)) throw new BadTorrentError(`${path} is both a file and a folder in the torrent`)
    }
    this.totalLength = expectedOffset
    this.pieceCount = Math.ceil(expectedOffset / pieceLength)
  }

  pieceSize (piece: number): number {
    return Math.min(this.pieceLength, this.totalLength - piece * this.pieceLength)
  }

  /** The file runs covering torrent bytes [offset, offset + length), in order. */
  segments (offset: number, length: number): Segment[] {
    const out: Segment[] = []
    const end = offset + length
    let index = this.fileAt(offset)
    while (index < this.files.length) {
      const file = this.files[index] as StoreFile
      if (file.offset >= end) break
      const start = Math.max(offset, file.offset)
      const stop = Math.min(end, file.offset + file.length)
      if (stop > start) out.push({ file: index, path: file.path, offset: start, fileOffset: start - file.offset, length: stop - start })
      index++
    }
    return out
  }

  pieceSegments (piece: number): Segment[] {
    return this.segments(piece * this.pieceLength, this.pieceSize(piece))
  }

  /** Pieces overlapping torrent bytes [offset, offset + length). */
  piecesIn (offset: number, length: number): { first: number, last: number } {
    return { first: Math.floor(offset / this.pieceLength), last: Math.floor((offset + Math.max(length, 1) - 1) / this.pieceLength) }
  }

  /** Index of the first file whose bytes end after `offset` (binary search). */
  private fileAt (offset: number): number {
    let lo = 0
    let hi = this.files.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const file = this.files[mid] as StoreFile
      if (file.offset + file.length <= offset) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
