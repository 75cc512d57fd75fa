/**
 * The picker's contract with the engine: the read-only questions it asks (the mediator), the
 * moment-in-time view of peers it is handed for streaming (the context), and the shapes it answers
 * with. Indexes are zero-based; blocks are 16 KiB slices of a piece; times are milliseconds.
 */

/** Bytes in a block; only the torrent's very last block may be shorter, which ETAs ignore. */
export const BLOCK_BYTES = 16_384
/** Priority of a wanted piece nobody asked to hurry; 0 is not wanted. */
export const DEFAULT_PRIORITY = 1

/**
 * Read-only queries the engine answers about the torrent and the client's own progress.
 * The picker never caches these answers across notifications: when `piecePriority` answers
 * change, the engine calls `onPriorityChanged`; when a piece is stored, `onPieceVerified`.
 * `pieceDeadline` is read for every piece when the picker is built and at each
 * `onDeadlinesChanged`, and only then.
 */
export interface PickerMediator {
  readonly pieceCount: number
  /** Blocks of 16 KiB in this piece; the last piece may have fewer. */
  blockCount (piece: number): number
  /** The piece is verified and stored. */
  clientHasPiece (piece: number): boolean
  /** 0 means not wanted (its file is deselected); higher is more important; 1 by default. */
  piecePriority (piece: number): number
  /**
   * When a reader needs the piece, on the clock of {@link PickContext.now}; undefined (or not a
   * finite number) for no deadline. Deadlines rank before priority, earliest first, and a piece
   * with a deadline is wanted even at priority 0: a reader is waiting for it.
   */
  pieceDeadline? (piece: number): number | undefined
}

/** What the engine measures of one source at the moment of a pick. */
export interface PeerSnapshot {
  /** Bytes per second measured from this source; 0 when not yet known. */
  rate: number
  /**
   * It started sending less than a second ago, so `rate` is only a lower bound (its bytes so far
   * spread over a whole second): the picker assumes it at least as fast as the settled peers.
   */
  rateIsLowerBound?: boolean
  /** Bytes requested from it and not yet received. */
  queuedBytes: number
  /** It stopped sending: it gets no block with a deadline, and its blocks in flight count as late. */
  snubbed: boolean
  /**
   * An HTTP web seed (BEP 19): a fallback that serves every piece but gets only blocks of
   * pieces whose deadline no regular peer can meet, alone or with the others (their rates
   * summed). It need not be announced with a bitfield.
   */
  webSeed?: boolean
}

/** The moment a pick is made and the sources it may weigh against each other. */
export interface PickContext {
  /** Current time on the clock the deadlines use. */
  now: number
  /**
   * Any source by id; undefined when it is gone or cannot be asked now. The picker asks only
   * about sources it knows: those announced to it (bitfield, HAVE ALL, HAVE) and web seeds that
   * have asked it for blocks.
   */
  peer: (id: string) => PeerSnapshot | undefined
}

/** One block to ask a peer for. */
export interface BlockRequest {
  piece: number
  /** Block index inside the piece. */
  block: number
}

/** A request in flight the picker has forgotten; the engine should send the peer a cancel. */
export interface StaleRequest {
  peer: string
  req: BlockRequest
}

/** What a {@link PiecePicker} needs to be built. */
export interface PickerInit {
  mediator: PickerMediator
  /** Seeded RNG returning numbers in [0, 1); it draws the random tie-break between equal pieces. */
  random: () => number
  /**
   * Most requests in flight for one block, counting the first: the cap for endgame duplicates
   * and for duplicates of blocks late for their deadline; 2 by default.
   */
  endgameDuplicates?: number
}
