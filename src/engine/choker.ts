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

// ---- upload modes (the seeding policy's say over choking) ----

/**
 * What the seeding policy allows: `open`, the tit-for-tat choker above decides; `reciprocal`,
 * only peers feeding a playing stream may download from us; `closed`, nobody may.
 */
export type UploadMode = 'open' | 'reciprocal' | 'closed'

/** The parts of a connected peer the upload gate reads and acts on. */
export interface GatedPeer {
  readonly id: string
  readonly wire: {
    readonly amChoking: boolean
    readonly peerInterested: boolean
    readonly peerChoking: boolean
    choke (): void
    unchoke (): void
  }
  /** Our requests to this peer still unanswered. */
  readonly inflight: { readonly size: number }
  readonly conn: { readonly downloadRate: { rate (): number } }
}

/** The parts of a torrent the upload gate reads. */
export interface GatedTorrent<P extends GatedPeer = GatedPeer> {
  readonly peers: ReadonlyMap<string, P>
  /** A stream reader is open on this torrent. */
  readonly streaming: boolean
  readonly pieceCount: number
  hasPiece (piece: number): boolean
  picker (): { availability (piece: number): number, peerHas (peer: string, piece: number): boolean } | undefined
}

/**
 * A peer feeds the film on screen when its torrent has an open stream reader, it is not
 * choking us, and blocks from it are in flight or arriving. The picker sends a streaming
 * torrent's urgent (deadline) blocks first, so these are the peers the film depends on.
 */
export function feedsStream (torrent: Pick<GatedTorrent, 'streaming'>, peer: GatedPeer): boolean {
  return torrent.streaming && !peer.wire.peerChoking && (peer.inflight.size > 0 || peer.conn.downloadRate.rate() > 0)
}

export function mayUpload (mode: UploadMode, feeds: boolean): boolean {
  return mode === 'open' || (mode === 'reciprocal' && feeds)
}

/**
 * How much of what the swarm lacks serving this peer would spread: every piece we have and
 * it lacks counts 1 / (1 + connected peers that have it), so a piece only we hold counts 1.
 */
export function scarcityServed (torrent: GatedTorrent, peerId: string): number {
  const picker = torrent.picker()
  if (picker === undefined) return 0
  let score = 0
  for (let piece = 0; piece < torrent.pieceCount; piece++) {
    if (!torrent.hasPiece(piece) || picker.peerHas(peerId, piece)) continue
    score += 1 / (1 + picker.availability(piece))
  }
  return score
}

/** Peer ids best served first when uploads resume: most scarcity spread first, ties by id. */
export function resumeOrder (candidates: ReadonlyArray<{ id: string, scarcity: number }>): string[] {
  return [...candidates].sort((a, b) => b.scarcity - a.scarcity || a.id.localeCompare(b.id)).map(c => c.id)
}

/**
 * Holds every torrent's choking to the policy's upload mode. The swarm's choker asks
 * `allows()` before every unchoke, so no choker path can unchoke a peer the mode forbids;
 * `apply()` chokes the forbidden at once, unchokes stream feeders in `reciprocal` mode, and on
 * reopening unchokes the peers that spread what the swarm lacks first (the swarm's choker
 * takes over at its next round).
 */
export class UploadGate {
  private mode: UploadMode = 'open'

  /** `slots`: peers unchoked at once per torrent, the optimistic one included. */
  constructor (private readonly slots: number) {}

  get current (): UploadMode { return this.mode }

  /** May the peer be unchoked now? The swarm's choker asks before each unchoke. */
  allows (torrent: Pick<GatedTorrent, 'streaming'>, peer: GatedPeer): boolean {
    return mayUpload(this.mode, feedsStream(torrent, peer))
  }

  /** Sets the mode and enforces it on every torrent now; cheap enough to call every second. */
  apply (mode: UploadMode, torrents: Iterable<GatedTorrent>): void {
    const reopened = mode === 'open' && this.mode !== 'open'
    this.mode = mode
    for (const torrent of torrents) {
      const peers = [...torrent.peers.values()]
      for (const peer of peers) {
        if (!peer.wire.amChoking && !mayUpload(mode, feedsStream(torrent, peer))) peer.wire.choke()
      }
      const waiting = peers.filter(peer => peer.wire.amChoking && peer.wire.peerInterested)
      let free = this.slots - peers.filter(peer => !peer.wire.amChoking).length
      if (free <= 0 || waiting.length === 0) continue
      if (mode === 'reciprocal') {
        for (const peer of waiting) if (free > 0 && feedsStream(torrent, peer)) { peer.wire.unchoke(); free-- }
      } else if (reopened) {
        const order = resumeOrder(waiting.map(peer => ({ id: peer.id, scarcity: scarcityServed(torrent, peer.id) })))
        for (const id of order.slice(0, free)) torrent.peers.get(id)?.wire.unchoke()
      }
    }
  }
}
