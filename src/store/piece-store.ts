/**
 * A torrent's pieces on disk: SHA-1 verified before they count, written sparse into the torrent's
 * files, and journaled only after their data is fsynced, so a restart, kill -9 or power cut keeps
 * verified pieces and never counts an unverified one. Journaled pieces are re-hashed on first read.
 */
import { createHash } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import { AbortedError, BadTorrentError, PieceHashMismatchError, PieceNotAvailableError } from '../errors.js'
import { silentLogger, type Logger } from '../log.js'
import { Bitfield } from './bitfield.js'
import { TorrentLayout } from './layout.js'
import { ResumeJournal } from './resume-journal.js'
import { nodeFs, toStorageError, type StoreFs } from './store-fs.js'
import { TorrentFiles } from './torrent-files.js'
import type { PieceStore, PieceStoreInit } from './types.js'

/** Creates the store for one torrent; call `open()` before anything else. */
export function createPieceStore (init: PieceStoreInit): PieceStore {
  return new DiskPieceStore(init)
}

function sha1 (data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest()
}

class DiskPieceStore implements PieceStore {
  readonly pieceCount: number
  private readonly layout: TorrentLayout
  private readonly fs: StoreFs
  private readonly files: TorrentFiles
  private readonly log: Logger
  private readonly resumeFile: string
  private readonly hashOf: (piece: number) => Uint8Array
  private readonly journal: ResumeJournal
  /** Verified: what hasPiece reports. */
  private have: Bitfield
  /** Known only from the journal; re-hashed on first read. */
  private unchecked: Bitfield
  private state: 'new' | 'open' | 'closing' | 'closed' = 'new'
  private closing: Promise<void> | undefined
  private readonly inFlight = new Set<Promise<unknown>>()
  private readonly checks = new Map<number, Promise<void>>()
  private readonly lostListeners: Array<(piece: number) => void> = []
  /** Files a write of this store had to create: nothing in them predates the store, so nothing to adopt. */
  private readonly createdFiles = new Set<string>()
  /**
   * Each file's length when adoption first looked at it: only this store's own writes lengthen a
   * file after that, and what they left is verified or a hole, so one stat per file will do.
   */
  private readonly adoptableLengths = new Map<string, Promise<number>>()

  constructor (init: PieceStoreInit) {
    this.layout = new TorrentLayout(init.files, init.pieceLength)
    this.pieceCount = this.layout.pieceCount
    const hashes = init.pieceHashes
    if (typeof hashes === 'function') {
      this.hashOf = hashes
    } else {
      if (hashes.length !== this.pieceCount) {
        throw new BadTorrentError(`torrent has ${this.pieceCount} pieces but ${hashes.length} piece hashes`)
      }
      this.hashOf = piece => hashes[piece] as Uint8Array
    }
    this.fs = init.fs ?? nodeFs
    this.resumeFile = resolve(init.resumeFile)
    // The engine hands a logger that already carries the infoHash.
    this.log = (init.log ?? silentLogger()).child({ component: 'store' })
    this.files = new TorrentFiles(this.fs, resolve(init.dir), init.files, init.maxOpenFiles ?? 32, path => {
      this.createdFiles.add(path)
      this.loseFile(path)
    })
    this.journal = new ResumeJournal({
      fs: this.fs,
      file: this.resumeFile,
      meta: { infoHash: init.infoHash, pieceLength: init.pieceLength, pieceCount: this.pieceCount, files: init.files },
      log: this.log,
      flushDelayMs: init.flushDelayMs ?? 1000,
      flushEveryPieces: init.flushEveryPieces ?? 64,
      filesOf: piece => this.layout.pieceSegments(piece).map(segment => segment.path),
      syncFiles: async paths => await this.files.sync(paths),
      onVanished: piece => { this.markLost(piece, 'its file vanished before it was synced') }
    })
    this.have = new Bitfield(this.pieceCount)
    this.unchecked = new Bitfield(this.pieceCount)
  }

  async open (): Promise<void> {
    if (this.state !== 'new') throw new Error('PieceStore.open() may be called once')
    await this.files.prepare()
    try {
      await this.fs.mkdir(dirname(this.resumeFile), { recursive: true })
    } catch (err) {
      throw toStorageError(err, 'creating', dirname(this.resumeFile), dirname(this.resumeFile))
    }
    const journaled = await this.journal.load()
    const dropped = await this.dropShortPieces(journaled)
    this.have = new Bitfield(this.pieceCount, journaled.bytes)
    this.unchecked = new Bitfield(this.pieceCount, journaled.bytes)
    this.state = 'open'
    this.journal.start(journaled, dropped > 0)
    this.log.info({ verified: this.have.count(), pieces: this.pieceCount, dropped }, 'piece store open')
  }

  hasPiece (piece: number): boolean {
    return this.have.has(piece)
  }

  verifiedCount (): number {
    return this.have.count()
  }

  bitfield (): Uint8Array {
    return this.have.bytes.slice()
  }

  onPieceLost (listener: (piece: number) => void): void {
    this.lostListeners.push(listener)
  }

  async putPiece (piece: number, data: Uint8Array): Promise<void> {
    this.assertOpen()
    this.assertPiece(piece)
    const size = this.layout.pieceSize(piece)
    if (data.length !== size) throw new RangeError(`piece ${piece} is ${size} bytes long, got ${data.length}`)
    if (!sha1(data).equals(this.hashOf(piece))) {
      throw new PieceHashMismatchError(`piece ${piece} does not match its SHA-1; the data was discarded and must be fetched again`)
    }
    if (this.have.has(piece)) return
    await this.track(async () => {
      const pieceStart = piece * this.layout.pieceLength
      for (const segment of this.layout.pieceSegments(piece)) {
        const part = data.subarray(segment.offset - pieceStart, segment.offset - pieceStart + segment.length)
        await this.files.write(segment, part)
      }
      this.have.set(piece)
      this.unchecked.clear(piece)
      this.journal.verified(piece)
    })
  }

  async adoptExisting (piece: number): Promise<boolean> {
    this.assertOpen()
    this.assertPiece(piece)
    if (this.have.has(piece)) return true
    return await this.track(async () => {
      let data: Uint8Array
      try {
        // skipped unread: pieces in files this store created (it wrote all they hold) or past a file's end
        for (const segment of this.layout.pieceSegments(piece)) {
          if (this.createdFiles.has(segment.path) || await this.adoptableLength(segment.path) < segment.fileOffset + segment.length) return false
        }
        data = await this.readRange(piece * this.layout.pieceLength, this.layout.pieceSize(piece))
      } catch {
        return false // a file is missing or short: nothing there to adopt
      }
      if (this.have.has(piece) || !sha1(data).equals(this.hashOf(piece))) return this.have.has(piece)
      this.have.set(piece)
      this.unchecked.clear(piece)
      this.journal.verified(piece)
      return true
    })
  }

  async read (offset: number, length: number): Promise<Uint8Array> {
    this.assertOpen()
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 ||
      offset + length > this.layout.totalLength) {
      throw new RangeError(`cannot read ${length} bytes at ${offset}: the torrent has ${this.layout.totalLength}`)
    }
    if (length === 0) return new Uint8Array(0)
    const { first, last } = this.layout.piecesIn(offset, length)
    const toCheck: number[] = []
    for (let piece = first; piece <= last; piece++) {
      if (!this.have.has(piece)) throw this.notAvailable(piece)
      if (this.unchecked.has(piece)) toCheck.push(piece)
    }
    await Promise.all(toCheck.map(async piece => await this.recheck(piece)))
    return await this.track(async () => await this.readRange(offset, length))
  }

  async readPiece (piece: number, begin: number, length: number): Promise<Uint8Array> {
    this.assertPiece(piece)
    if (begin < 0 || length < 0 || begin + length > this.layout.pieceSize(piece)) {
      throw new RangeError(`block ${begin}+${length} lies outside piece ${piece}`)
    }
    return await this.read(piece * this.layout.pieceLength + begin, length)
  }

  async flush (): Promise<void> {
    if (this.state === 'closed') throw new AbortedError('the piece store is closed')
    await this.journal.flush()
  }

  async close (): Promise<void> {
    await this.shutdown(true)
  }

  async destroy (options: { keepData: boolean }): Promise<void> {
    await this.shutdown(false)
    try {
      await this.fs.rm(this.resumeFile, { force: true })
      await this.fs.rm(`${this.resumeFile}.tmp`, { force: true })
    } catch (err) {
      throw toStorageError(err, 'deleting', this.resumeFile, dirname(this.resumeFile))
    }
    if (!options.keepData) await this.files.deleteAll()
    this.log.info({ keepData: options.keepData }, 'piece store destroyed')
  }

  private async shutdown (flush: boolean): Promise<void> {
    if (this.state === 'new') this.state = 'closed'
    if (this.state === 'closed' && this.closing === undefined) return
    if (this.closing === undefined) {
      this.state = 'closing'
      this.journal.stop()
      this.closing = (async () => {
        await Promise.allSettled([...this.inFlight])
        try {
          if (flush) await this.journal.flush()
        } finally {
          // A background flush still running could otherwise write a journal after destroy() removed it.
          await this.journal.settled()
          await this.files.close()
          this.state = 'closed'
        }
      })()
    }
    await this.closing
  }

  private async recheck (piece: number): Promise<void> {
    let check = this.checks.get(piece)
    if (check === undefined) {
      check = this.track(async () => await this.rehash(piece)).finally(() => this.checks.delete(piece))
      this.checks.set(piece, check)
    }
    await check
  }

  private async rehash (piece: number): Promise<void> {
    const data = await this.readRange(piece * this.layout.pieceLength, this.layout.pieceSize(piece))
    if (!this.unchecked.has(piece)) return // stored afresh (or lost) meanwhile
    if (sha1(data).equals(this.hashOf(piece))) {
      this.unchecked.clear(piece)
      return
    }
    this.markLost(piece, 'its bytes on disk no longer match its SHA-1')
    throw new PieceHashMismatchError(`piece ${piece} changed on disk since it was verified; it was dropped and must be fetched again`)
  }

  /** Reads torrent bytes whose pieces are verified; a missing or short file loses the pieces it should hold. */
  private async readRange (offset: number, length: number): Promise<Uint8Array> {
    // not zeroed: every byte is read from disk, or the read throws before `out` is returned
    const out = Buffer.allocUnsafe(length)
    for (const segment of this.layout.segments(offset, length)) {
      const got = await this.files.read(segment, out.subarray(segment.offset - offset, segment.offset - offset + segment.length))
      if (got < segment.length) {
        const { first, last } = this.layout.piecesIn(segment.offset + got, segment.length - got)
        for (let piece = first; piece <= last; piece++) this.markLost(piece, `${segment.path} vanished or was truncated`)
        throw new PieceNotAvailableError(
          `piece ${first} was lost: ${this.files.diskPath(segment.path)} vanished or was truncated; it must be fetched again`)
      }
    }
    return out
  }

  private markLost (piece: number, reason: string): void {
    if (!this.have.has(piece)) return
    this.have.clear(piece)
    this.unchecked.clear(piece)
    this.journal.lost(piece)
    this.log.warn({ piece, reason }, 'verified piece lost')
    for (const listener of this.lostListeners) {
      try {
        listener(piece)
      } catch (err) {
        this.log.error({ err, piece }, 'piece-lost listener threw')
      }
    }
  }

  private async adoptableLength (path: string): Promise<number> {
    let length = this.adoptableLengths.get(path)
    if (length === undefined) {
      length = this.files.size(path)
      this.adoptableLengths.set(path, length)
      length.catch(() => { this.adoptableLengths.delete(path) }) // an I/O error is not remembered
    }
    return await length
  }

  /** The file was deleted behind our back and is being created afresh: its verified pieces are gone. */
  private loseFile (path: string): void {
    const file = this.layout.files.find(f => f.path === path)
    if (file === undefined || file.length === 0) return
    const { first, last } = this.layout.piecesIn(file.offset, file.length)
    for (let piece = first; piece <= last; piece++) this.markLost(piece, `${path} was deleted`)
  }

  /** Un-marks journaled pieces whose bytes lie past the end of their file (truncated or deleted since). */
  private async dropShortPieces (journaled: Bitfield): Promise<number> {
    const sizes = new Map<string, number>()
    let dropped = 0
    for (const piece of [...journaled.indexes()]) {
      for (const segment of this.layout.pieceSegments(piece)) {
        let size = sizes.get(segment.path)
        if (size === undefined) sizes.set(segment.path, size = await this.files.size(segment.path))
        if (size >= segment.fileOffset + segment.length) continue
        journaled.clear(piece)
        dropped++
        break
      }
    }
    if (dropped > 0) this.log.warn({ dropped }, 'files shorter than the journal says; their pieces will be fetched again')
    return dropped
  }

  private async track<T>(fn: () => Promise<T>): Promise<T> {
    const run = fn()
    this.inFlight.add(run)
    try {
      return await run
    } finally {
      this.inFlight.delete(run)
    }
  }

  private notAvailable (piece: number): PieceNotAvailableError {
    return new PieceNotAvailableError(`piece ${piece} is not verified on disk; fetch it before reading`)
  }

  private assertOpen (): void {
    if (this.state === 'new') throw new Error('PieceStore.open() must complete first')
    if (this.state !== 'open') throw new AbortedError('the piece store is closed')
  }

  private assertPiece (piece: number): void {
    if (!Number.isInteger(piece) || piece < 0 || piece >= this.pieceCount) {
      throw new RangeError(`piece ${piece} does not exist (the torrent has ${this.pieceCount})`)
    }
  }
}
