/**
 * Blocks of pieces being downloaded, held in memory until the piece is complete and can be
 * verified as a whole. Remembers which peers contributed, so a piece that fails its hash
 * can be blamed on them.
 *
 * A partial piece holds only the blocks received so far, each in a block-sized buffer; the
 * piece is copied into one piece-sized buffer when its last block arrives. Giving every started
 * piece its whole buffer at once held up to 97 MiB for 97 pieces a web seed had begun, a few
 * blocks each, during a minute of playback. Block and piece buffers are recycled: at 100 MiB/s,
 * allocating fresh ones leaves tens of MiB of garbage waiting for the collector.
 *
 * A completed piece stays counted in `storingBytes` until it is released: when the disk falls
 * behind the network, that count is what tells peers to stop asking for more.
 */
import { BLOCK_LENGTH } from '../wire/index.js'

interface PartialPiece {
  size: number
  /** Received blocks by index, each a BLOCK_LENGTH buffer (the last block of a piece uses its start). */
  blocks: Array<Buffer | undefined>
  receivedCount: number
  contributors: Set<string>
}

/** Spare piece buffers kept for reuse; more pieces than this being stored at once allocate fresh ones. */
const SPARE_BUFFERS = 8
/** Spare block buffers kept for reuse (4 MiB). */
const SPARE_BLOCKS = 256
/**
 * Completed pieces allowed to wait for verification and the disk (at least two pieces) before
 * peers stop asking for more. Writes to the page cache usually keep up, but when the kernel
 * throttles a writer the network would otherwise pile tens of MiB of pieces into memory.
 */
const STORAGE_BACKLOG_BYTES = 6 * 1024 * 1024

export class PieceAssembly {
  private readonly pieces = new Map<number, PartialPiece>()
  private readonly spare: Buffer[] = []
  private readonly spareBlocks: Buffer[] = []
  /** Bytes of completed pieces handed out by addBlock and not released yet (being verified and written). */
  storingBytes = 0

  constructor (private readonly pieceSize: (piece: number) => number) {}

  /** Stores a block; returns the whole piece once every block is in, else undefined. */
  addBlock (piece: number, block: number, data: Uint8Array, contributor: string): { data: Buffer, contributors: Set<string> } | undefined {
    let partial = this.pieces.get(piece)
    if (partial === undefined) {
      const size = this.pieceSize(piece)
      partial = { size, blocks: new Array<Buffer | undefined>(Math.ceil(size / BLOCK_LENGTH)), receivedCount: 0, contributors: new Set() }
      this.pieces.set(piece, partial)
    }
    if (!(Number.isInteger(block) && block >= 0 && block < partial.blocks.length)) {
      throw new RangeError(`block ${block} is outside piece ${piece}, which has ${partial.blocks.length}`)
    }
    if (partial.blocks[block] !== undefined) return undefined
    const held = this.spareBlocks.pop() ?? Buffer.allocUnsafe(BLOCK_LENGTH)
    held.set(data)
    partial.blocks[block] = held
    partial.receivedCount++
    partial.contributors.add(contributor)
    if (partial.receivedCount < partial.blocks.length) return undefined
    this.pieces.delete(piece)
    const whole = this.allocate(partial.size)
    partial.blocks.forEach((held, index) => {
      const at = index * BLOCK_LENGTH
      if (held !== undefined) whole.set(held.subarray(0, Math.min(BLOCK_LENGTH, partial.size - at)), at)
    })
    this.recycleBlocks(partial)
    this.storingBytes += whole.length
    return { data: whole, contributors: partial.contributors }
  }

  drop (piece: number): void {
    const partial = this.pieces.get(piece)
    this.pieces.delete(piece)
    if (partial !== undefined) this.recycleBlocks(partial)
  }

  /** Completed pieces waiting for the disk fill the backlog: ask peers for nothing more. */
  get backlogged (): boolean {
    return this.storingBytes >= Math.max(STORAGE_BACKLOG_BYTES, 2 * this.pieceSize(0))
  }

  /**
   * Hands back a piece buffer returned by addBlock once nothing reads it any more. True when
   * this ended a backlog, so the peers held back may ask again.
   */
  release (data: Buffer): boolean {
    const wasBacklogged = this.backlogged
    this.storingBytes -= data.length
    this.recycle(data)
    return wasBacklogged && !this.backlogged
  }

  private recycle (data: Buffer): void {
    if (this.spare.length < SPARE_BUFFERS && data.length === this.pieceSize(0)) this.spare.push(data)
  }

  private recycleBlocks (partial: PartialPiece): void {
    for (const held of partial.blocks) {
      if (held !== undefined && this.spareBlocks.length < SPARE_BLOCKS) this.spareBlocks.push(held)
    }
  }

  private allocate (size: number): Buffer {
    const spare = size === this.pieceSize(0) ? this.spare.pop() : undefined
    return spare ?? Buffer.allocUnsafe(size)
  }

  /** Bytes held in memory for incomplete pieces: the blocks received so far. */
  bufferedBytes (): number {
    let blocks = 0
    for (const partial of this.pieces.values()) blocks += partial.receivedCount
    return blocks * BLOCK_LENGTH
  }

  get size (): number { return this.pieces.size }
}

/** Expected length of block `block` of a piece of `pieceSize` bytes. */
export function blockLength (pieceSize: number, block: number): number {
  return Math.min(BLOCK_LENGTH, pieceSize - block * BLOCK_LENGTH)
}
