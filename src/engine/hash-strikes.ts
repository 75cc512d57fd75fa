/**
 * Who to ban for corrupt data. A source earns strikes for each piece it helped send that
 * failed its hash check: two when it alone sent the piece, one when the blame is shared (an
 * honest peer may have sent good blocks of a piece a liar spoiled). Four strikes and it is out.
 */
const BAN_STRIKES = 4

export class HashStrikes {
  private readonly strikes = new Map<string, number>()

  /** Records a failed piece; returns each contributor's strikes now and whether it just reached a ban. */
  blame (contributors: ReadonlySet<string>): Array<{ source: string, strikes: number, ban: boolean }> {
    return [...contributors].map(source => {
      const before = this.strikes.get(source) ?? 0
      const strikes = before + (contributors.size === 1 ? 2 : 1)
      this.strikes.set(source, strikes)
      return { source, strikes, ban: before < BAN_STRIKES && strikes >= BAN_STRIKES }
    })
  }
}
