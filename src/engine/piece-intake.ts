/**
 * Blocks in, verified pieces out. Blocks from peers and web seeds are assembled into pieces
 * (PieceAssembly); each complete piece goes to the store, which checks its SHA-1 before it
 * counts. A piece that fails is requested again and its contributors are blamed (HashStrikes):
 * a source that keeps sending corrupt data is banned. The torrent is told what became of each
 * piece; it owns the peers, the picker's other inputs and the state the API shows.
 */
import { DiskFullError, PieceHashMismatchError } from '../errors.js'
import type { Logger } from '../log.js'
import type { PiecePicker } from '../picker/index.js'
import type { PieceStore } from '../store/index.js'
import { HashStrikes } from './hash-strikes.js'
import { PieceAssembly } from './piece-assembly.js'

export interface PieceIntakeHost {
  readonly log: Logger
  readonly picker: PiecePicker
  readonly store: PieceStore
  pieceSize (piece: number): number
  /** The piece is verified and stored. */
  stored (piece: number): void
  /** The store could not keep a good piece (disk full or failing); it will be fetched again. */
  storeFailed (piece: number, err: Error): void
  /** Peers held back (by a full storage backlog, or a piece to fetch again) may ask now. */
  wakePeers (): void
  /** The source, by peer id or web seed id, sent corrupt data once too often. */
  ban (source: string): void
}

export class PieceIntake {
  /** Pieces that failed their SHA-1 check. */
  hashFailures = 0
  private readonly assembly: PieceAssembly
  private readonly strikes = new HashStrikes()

  constructor (private readonly host: PieceIntakeHost) {
    this.assembly = new PieceAssembly(piece => host.pieceSize(piece))
  }

  /** Completed pieces wait for the disk: peers should ask for nothing more for now. */
  get backlogged (): boolean { return this.assembly.backlogged }

  /** Stores a block from `contributor`; a piece it completes is verified and stored. */
  addBlock (piece: number, block: number, data: Uint8Array, contributor: string): void {
    const complete = this.assembly.addBlock(piece, block, data, contributor)
    if (complete !== undefined) void this.verify(piece, complete.data, complete.contributors)
  }

  /** Forgets the blocks of a piece that is no longer needed (found whole on disk). */
  drop (piece: number): void {
    this.assembly.drop(piece)
  }

  private async verify (piece: number, data: Buffer, contributors: Set<string>): Promise<void> {
    const { picker, store } = this.host
    try {
      await store.putPiece(piece, data)
    } catch (err) {
      this.release(data)
      picker.onPieceFailed(piece)
      if (err instanceof PieceHashMismatchError) {
        this.hashFailures++
        this.blame(contributors, piece)
      } else {
        this.host.log.error({ err, piece }, err instanceof DiskFullError ? 'disk full: piece not stored' : 'storing piece failed')
        this.host.storeFailed(piece, err as Error)
      }
      this.host.wakePeers()
      return
    }
    this.release(data)
    this.host.stored(piece)
  }

  /** A completed piece's buffer is free again; peers held back by the storage backlog may ask again. */
  private release (data: Buffer): void {
    if (this.assembly.release(data)) this.host.wakePeers()
  }

  private blame (contributors: Set<string>, piece: number): void {
    for (const { source, strikes, ban } of this.strikes.blame(contributors)) {
      this.host.log.warn({ piece, peerId: source, strikes }, 'piece failed its hash check')
      if (ban) this.host.ban(source)
    }
  }
}
