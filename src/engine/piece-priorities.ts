/**
 * Which pieces a torrent wants, and how much: the pieces of the files the viewer wants at the
 * default priority (all files until told otherwise), a title's opening above them (fetchFirst),
 * and 0 for the rest. Reader deadlines are the picker's other input and live in StreamReaders.
 */
import { DEFAULT_PRIORITY } from '../picker/index.js'
import { pieceSpan, wantedPieces, type Metainfo } from './metainfo.js'

/** Priority of the pieces of a title's opening: above every other wanted piece. */
const OPENING_PRIORITY = DEFAULT_PRIORITY + 1

export class PiecePriorities {
  /** Files wanted, by index; undefined for all of them. */
  wantedFiles: ReadonlySet<number> | undefined
  private opening: { fileIndex: number, bytes: number } | undefined
  private priorities: Int32Array = new Int32Array(0)

  of (piece: number): number { return this.priorities[piece] ?? 0 }

  setWantedFiles (indexes: readonly number[], metainfo: Metainfo | undefined): void {
    this.wantedFiles = new Set(indexes)
    this.compute(metainfo)
  }

  /** The first `bytes` of the file come before everything else wanted (not before deadlines). */
  setOpening (fileIndex: number, bytes: number, metainfo: Metainfo | undefined): void {
    this.opening = { fileIndex, bytes }
    this.compute(metainfo)
  }

  /** Recomputes every piece's priority from the wanted files and the opening. */
  compute (metainfo: Metainfo | undefined): void {
    if (metainfo === undefined) return
    if (this.priorities.length !== metainfo.pieceCount) this.priorities = new Int32Array(metainfo.pieceCount)
    this.priorities.set(wantedPieces(metainfo, this.wantedFiles))
    const opening = this.opening
    const file = opening === undefined ? undefined : metainfo.files[opening.fileIndex]
    if (opening === undefined || file === undefined || file.length === 0) return
    const { first, last } = pieceSpan(metainfo.pieceLength, file.offset, Math.min(file.length, Math.max(1, opening.bytes)))
    for (let piece = first; piece <= last; piece++) {
      if ((this.priorities[piece] ?? 0) > 0) this.priorities[piece] = OPENING_PRIORITY
    }
  }
}
