/**
 * Tit-for-tat choking: the peers that give us the most (while downloading) or take the most
 * (while seeding) get the regular upload slots; one more slot rotates among the others
 * (optimistic unchoke) so newcomers get a chance to prove themselves. Pure: the caller runs
 * it every ten seconds and applies the result.
 */
export interface ChokeCandidate {
  id: string
  interested: boolean
  /** Bytes/s we receive from this peer. */
  downloadRate: number
  /** Bytes/s we send to this peer. */
  uploadRate: number
}

export interface ChokeState {
  optimistic: string | undefined
  optimisticSince: number
}

export interface ChokeDecision {
  unchoke: Set<string>
  state: ChokeState
}

export interface ChokeInit {
  slots: number
  seeding: boolean
  now: number
  random: () => number
  optimisticPeriodMs: number
}

export function decideChokes (peers: readonly ChokeCandidate[], state: ChokeState, init: ChokeInit): ChokeDecision {
  const interested = peers.filter(peer => peer.interested)
  const score = (peer: ChokeCandidate): number => init.seeding ? peer.uploadRate : peer.downloadRate
  const ranked = [...interested].sort((a, b) => score(b) - score(a) || a.id.localeCompare(b.id))
  const unchoke = new Set(ranked.slice(0, init.slots).map(peer => peer.id))

  const others = interested.filter(peer => !unchoke.has(peer.id))
  let optimistic = state.optimistic
  let optimisticSince = state.optimisticSince
  const current = others.find(peer => peer.id === optimistic)
  if (current === undefined || init.now - optimisticSince >= init.optimisticPeriodMs) {
    const pick = others[Math.floor(init.random() * others.length)]
    optimistic = pick?.id
    optimisticSince = init.now
  }
  if (optimistic !== undefined && others.some(peer => peer.id === optimistic)) unchoke.add(optimistic)
  return { unchoke, state: { optimistic, optimisticSince } }
}
