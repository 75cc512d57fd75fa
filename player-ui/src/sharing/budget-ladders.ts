/**
 * The sharing budget as the remote edits it: each editable setting is a ladder of values that
 * ◀ ▶ walk, with a label for every value. A value set elsewhere (through the API) that is not
 * on the ladder shows as it is, and ◀ ▶ go to the nearest step below or above it. Ladders stop
 * at their ends: a press too many never wraps from Unlimited to Off.
 */
import type { BudgetPatch, Rate } from '../api.js'
import { budgetBytes, uploadRate } from '../format.js'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/** The settings whose value is a number of bytes (per second or per month), `null` unlimited. */
export type LadderKey = 'idleRate' | 'watchingRate' | 'monthlyCap'

export interface BudgetLadder {
  /** The row's name on screen. */
  name: string
  /** Ascending; `null` (unlimited) last. */
  steps: readonly Rate[]
  label: (value: Rate) => string
}

const RATE_STEPS: readonly Rate[] = [0, 256 * KiB, 512 * KiB, MiB, 2 * MiB, 5 * MiB, 10 * MiB, null]
const CAP_STEPS: readonly Rate[] = [10 * GiB, 50 * GiB, 100 * GiB, 250 * GiB, 500 * GiB, null]

export const LADDERS: Readonly<Record<LadderKey, BudgetLadder>> = {
  idleRate: {
    name: 'When idle',
    steps: RATE_STEPS,
    label: value => value === null ? 'Unlimited' : value === 0 ? 'Off' : uploadRate(value)
  },
  watchingRate: {
    name: 'While watching',
    steps: RATE_STEPS,
    // The daemon's 0 here still answers peers that feed the film being watched.
    label: value => value === null ? 'Unlimited' : value === 0 ? 'Only peers helping the film' : uploadRate(value)
  },
  monthlyCap: {
    name: 'Monthly limit',
    steps: CAP_STEPS,
    label: value => value === null ? 'No limit' : budgetBytes(value)
  }
}

export function isLadderKey (key: string | undefined): key is LadderKey {
  return key === 'idleRate' || key === 'watchingRate' || key === 'monthlyCap'
}

/** Unlimited ranks above every number. */
const rank = (value: Rate): number => value === null ? Infinity : value

/** The next step above (`direction` 1) or below (-1) `current`; `current` itself at the ladder's end. */
export function stepFrom (steps: readonly Rate[], current: Rate, direction: 1 | -1): Rate {
  const next = direction > 0
    ? steps.find(step => rank(step) > rank(current))
    : [...steps].reverse().find(step => rank(step) < rank(current))
  return next === undefined ? current : next
}

/** The patch one press of ◀ (-1) or ▶ (1) makes on `key`, or undefined at the ladder's end. */
export function pressOn (key: LadderKey, current: Rate, direction: 1 | -1): BudgetPatch | undefined {
  const next = stepFrom(LADDERS[key].steps, current, direction)
  return next === current ? undefined : { [key]: next }
}
