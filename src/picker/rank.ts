/**
 * The one place that decides which piece comes first. Every ordering in the picker (started
 * pieces, the cached order of new pieces, endgame duplicates) goes through `compareRank`.
 */

/** Everything the ranking looks at for one piece, read at one moment. */
export interface PieceRank {
  readonly piece: number
  /** When a reader needs it (ms); Infinity for no deadline. Earlier first. */
  readonly deadline: number
  /** Higher first; 0 pieces are ranked only when they have a deadline. */
  readonly priority: number
  /** Some blocks received or in flight: finishing a piece beats starting one. */
  readonly started: boolean
  /** Peers that have the piece; rarer first. */
  readonly availability: number
  /** Random tie-break in [0, 1), redrawn when the piece's availability changes. */
  readonly salt: number
}

/**
 * Negative when `a` should be downloaded before `b`: earliest deadline (pieces without one
 * last), then priority, then started, then rarity, then the salt. Keys are totally ordered (the
 * piece index settles exact ties) so sorted arrays of keys can be binary searched.
 */
export function compareRank (a: PieceRank, b: PieceRank): number {
  // Subtraction would give NaN for two pieces without a deadline (Infinity - Infinity).
  const deadline = a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0
  return deadline ||
    (b.priority - a.priority) ||
    (Number(b.started) - Number(a.started)) ||
    (a.availability - b.availability) ||
    (a.salt - b.salt) ||
    (a.piece - b.piece)
}
