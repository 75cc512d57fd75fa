/**
 * Which pieces a torrent wants, and how much: the pieces of the files the viewer wants at the
 * default priority (all files until told otherwise), a title's opening above them (fetchFirst),
 * the bytes a probe of that title reads first above those, and 0 for the rest. Reader
 * deadlines are the picker's other input and live in StreamReaders.
 */
import { DEFAULT_PRIORITY } from '../picker/index.js'
import { pieceSpan, wantedPieces, type Metainfo } from './metainfo.js'

/** Priority of the pieces of a title's opening: above every other wanted piece. */
const OPENING_PRIORITY = DEFAULT_PRIORITY + 1
/**
 * Priority of the pieces a probe reads before anything else: the file's first and last
 * {@link PROBE_EDGE_BYTES}. An MP4 with its moov at the end or an MKV's cues cannot be probed
 * until the tail is in, and without this tier the tail queued behind the whole opening: Enter on
 * Play waited 0.9-2.4 s for one 256 KiB piece at 4 MiB/s in the player bench.
 */
const PROBE_PRIORITY = OPENING_PRIORITY + 1
const PROBE_EDGE_BYTES = 1024 * 1024

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

  /**
   * The first `bytes` of the file come before everything else wanted, and its first and last
   * MiB before those (none of them before deadlines).
   */
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
    const edge = Math.min(file.length, PROBE_EDGE_BYTES)
    this.raise(pieceSpan(metainfo.pieceLength, file.offset, Math.min(file.length, Math.max(1, opening.bytes))), OPENING_PRIORITY)
    this.raise(pieceSpan(metainfo.pieceLength, file.offset, edge), PROBE_PRIORITY)
    this.raise(pieceSpan(metainfo.pieceLength, file.offset + file.length - edge, edge), PROBE_PRIORITY)
  }

  /** Sets the wanted pieces of the span to `priority`. */
  private raise (span: { first: number, last: number }, priority: number): void {
    for (let piece = span.first; piece <= span.last; piece++) {
      if ((this.priorities[piece] ?? 0) > 0) this.priorities[piece] = priority
    }
  }
}
