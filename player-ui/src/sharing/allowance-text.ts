/**
 * Why uploads are at their current level, in the viewer's words, from `GET /api/sharing`.
 * The daemon decides (pause, then the monthly cap, then watching, then a time window, then the
 * idle rate; src/seeding/bandwidth-budget.ts); this only says it.
 */
import type { Sharing } from '../api.js'
import { clock, uploadRate } from '../format.js'

export function allowanceText (sharing: Sharing): string {
  const { mode, reason, rateLimit, window } = sharing.allowance
  const level = mode === 'closed' ? 'not sharing' : rateLimit === null ? 'sharing without a limit' : `sharing up to ${uploadRate(rateLimit)}`
  switch (reason) {
    case 'paused': return 'Sharing paused'
    case 'cap-reached': return 'Monthly limit reached: nothing more is shared until the 1st'
    case 'watching': return `Watching: ${mode === 'reciprocal' ? 'sharing only with peers helping this film' : level}`
    case 'window': return `${window === undefined ? 'Time window' : `Time window ${window.start}–${window.end}`}: ${level}`
    case 'idle': return `Idle: ${level}`
  }
}

/** A second line while watching: when the idle budget applies again. */
export function idleAgainText (sharing: Sharing): string | undefined {
  if (sharing.presence !== 'watching' || sharing.idleInMs <= 0) return undefined
  return `The idle budget applies again in ${clock(Math.ceil(sharing.idleInMs / 1000))} if nothing plays`
}
