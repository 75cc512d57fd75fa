/**
 * Whether someone is watching. The box is watching while any stream reader is open or the
 * player reports a visible, playing page, and for a quiet period after the last of them ends;
 * then it is idle. Fed by `observe()` with what is true now; the clock is injected.
 */

export type Presence = 'watching' | 'idle'

export interface PresenceSignals {
  /**
   * Torrents someone streamed since the last look (HTTP /stream, and ffmpeg playing through HLS;
   * not probes or posters), however short the read.
   */
  streams: number
  /** The player UI says a page is visible and playing. */
  playerVisible: boolean
}

export interface IdleDetectorInit {
  /** Read on every call, so a settings change applies at once. */
  quietPeriodMs: () => number
  now: () => number
}

export class IdleDetector {
  /** When presence was last seen; -Infinity before any (a box that just booted is idle). */
  private lastActiveAt = -Infinity

  constructor (private readonly init: IdleDetectorInit) {}

  /** Records what is true now and returns the resulting presence. */
  observe (signals: PresenceSignals): Presence {
    if (signals.streams > 0 || signals.playerVisible) this.lastActiveAt = this.init.now()
    return this.presence()
  }

  presence (): Presence {
    return this.msUntilIdle() > 0 ? 'watching' : 'idle'
  }

  /** Milliseconds until the box turns idle if nothing else happens; 0 when idle. */
  msUntilIdle (): number {
    return Math.max(0, this.lastActiveAt + this.init.quietPeriodMs() - this.init.now())
  }

  /** When presence was last seen, or undefined if never since start. */
  get lastActive (): number | undefined {
    return Number.isFinite(this.lastActiveAt) ? this.lastActiveAt : undefined
  }
}
