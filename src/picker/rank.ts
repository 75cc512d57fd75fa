/**
 * The one place that decides which piece comes first. Every ordering in the picker (started
 * pieces, the cached order of new pieces, endgame duplicates) goes through `compareRank`.
 */

/** Everything the ranking looks at for one piece, read at one moment. */
export interface PieceRank {
  readonly piece: number
  /** Higher first; 0 pieces are never ranked. */
  readonly priority: number
  /** Some blocks received or in flight: finishing a piece beats starting one. */
  readonly started: boolean
  /** Peers that have the piece; rarer first. */
  readonly availability: number
  /** Random tie-break in [0, 1), redrawn when the piece's availability changes. */
  readonly salt: number
}

/**
 * Negative when `a` should be downloaded before `b`. Keys are totally ordered (the piece
 * index settles exact ties) so sorted arrays of keys can be binary searched.
 *
 * Deadlines slot in as the first criterion: earliest deadline first, pieces without one last.
 */
export function compareRank (a: PieceRank, b: PieceRank): number {
  return (b.priority - a.priority) ||
    (Number(b.started) - Number(a.started)) ||
    (a.availability - b.availability) ||
    (a.salt - b.salt) ||
    (a.piece - b.piece)
}
