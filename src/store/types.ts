/** The store's public contract: what the engine hands it and what it may call. */
import type { Logger } from '../log.js'
import type { StoreFile } from './layout.js'
import type { StoreFs } from './store-fs.js'

export interface PieceStoreInit {
  /** Data dir for this torrent's files; file `f` lives at `join(dir, f.path)`. */
  dir: string
  /** Info hash, hex. */
  infoHash: string
  pieceLength: number
  /** SHA-1 (20 bytes) of each piece, as an array or a lookup. */
  pieceHashes: readonly Uint8Array[] | ((piece: number) => Uint8Array)
  files: readonly StoreFile[]
  /** Path of this torrent's resume journal, kept outside the files' folder. */
  resumeFile: string
  log?: Logger
  /** File-system layer; tests inject one to observe or fail I/O. Default: `node:fs/promises`. */
  fs?: StoreFs
  /** Most file descriptors kept open at once. Default 32. */
  maxOpenFiles?: number
  /** Longest a newly verified piece waits before it is made durable. Default 1000 ms. */
  flushDelayMs?: number
  /** Flush at once when this many verified pieces wait. Default 64. */
  flushEveryPieces?: number
}

export interface PieceStore {
  /** Creates dirs and zero-length files and loads the resume journal; never re-hashes existing data. */
  open (): Promise<void>
  readonly pieceCount: number
  /** True for a verified piece (in this process or by the journal, until a re-check fails). */
  hasPiece (piece: number): boolean
  verifiedCount (): number
  /** BitTorrent bitfield of verified pieces (MSB first), a copy. */
  bitfield (): Uint8Array
  /**
   * Verifies the SHA-1 of a complete piece; on match writes it to the files and marks it verified.
   * Rejects with PieceHashMismatchError (nothing stored), DiskFullError or StorageError (not marked).
   */
  putPiece (piece: number, data: Uint8Array): Promise<void>
  /**
   * Hashes the bytes already on disk for an unverified piece (data placed there before the torrent
   * was added, or written before a crash and never journaled) and marks it verified when they match.
   * Resolves false when the bytes are absent or wrong; never writes data.
   */
  adoptExisting (piece: number): Promise<boolean>
  /**
   * Reads verified bytes at torrent-global offsets. The first read of a piece known only from the
   * journal re-hashes the whole piece; on failure the piece is un-marked, onPieceLost listeners run
   * and the read rejects with PieceHashMismatchError. Unverified pieces: PieceNotAvailableError.
   */
  read (offset: number, length: number): Promise<Uint8Array>
  /** Like `read`, addressed inside one piece (for uploading blocks to peers). */
  readPiece (piece: number, begin: number, length: number): Promise<Uint8Array>
  /** Called with a piece that was verified and no longer is (failed re-check, file vanished or truncated). */
  onPieceLost (listener: (piece: number) => void): void
  /** Makes every verified piece durable: fsyncs the data files touched, then replaces the journal. */
  flush (): Promise<void>
  /** Waits for writes in flight, flushes and closes file handles; later calls reject with AbortedError. */
  close (): Promise<void>
  /** Closes, deletes the resume journal and, unless keepData, the torrent's files and emptied folders. */
  destroy (options: { keepData: boolean }): Promise<void>
}
