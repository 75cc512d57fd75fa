/**
 * The picker's contract with the engine: the read-only questions it asks (the mediator) and
 * the shapes it answers with. Indexes are zero-based; blocks are 16 KiB slices of a piece.
 */

/**
 * Read-only queries the engine answers about the torrent and the client's own progress.
 * The picker never caches these answers across notifications: when `piecePriority` answers
 * change, the engine calls `onPriorityChanged`; when a piece is stored, `onPieceVerified`.
 */
export interface PickerMediator {
  readonly pieceCount: number
  /** Blocks of 16 KiB in this piece; the last piece may have fewer. */
  blockCount (piece: number): number
  /** The piece is verified and stored. */
  clientHasPiece (piece: number): boolean
  /** 0 means not wanted (its file is deselected); higher is more important; 1 by default. */
  piecePriority (piece: number): number
}

/** One block to ask a peer for. */
export interface BlockRequest {
  piece: number
  /** Block index inside the piece. */
  block: number
}

/** What a {@link PiecePicker} needs to be built. */
export interface PickerInit {
  mediator: PickerMediator
  /** Seeded RNG returning numbers in [0, 1); it draws the random tie-break between equal pieces. */
  random: () => number
  /** Most requests in flight for one block in endgame, counting the first; 2 by default. */
  endgameDuplicates?: number
}
