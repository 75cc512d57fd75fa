/**
 * The upload allowance in force now, from the viewer's settings, whether someone is watching,
 * the bytes shared this month and the local time. Pure apart from the injected clock.
 * Precedence: pause, then the monthly cap, then watching, then the first matching time window,
 * then the idle rate. Near the cap the rate shrinks to what is left, so one second of upload
 * cannot overshoot the cap by more than what remains.
 */
import type { UploadMode } from '../engine/index.js'
import { localMinuteOfDay } from './local-calendar.js'
import { minutesOf, type Rate, type SeedingSettings, type TimeWindow } from './settings.js'


export type AllowanceReason = 'paused' | 'cap-reached' | 'watching' | 'window' | 'idle'

export interface UploadAllowance {
  /** `open`: any peer the choker picks; `reciprocal`: only peers feeding a playing stream; `closed`: nobody. */
  mode: UploadMode
  /** Bytes per second for the shared upload bucket; 0 is unlimited (the engine's convention). */
  rate: number
  reason: AllowanceReason
  /** The window in force (reason 'window'). */
  window?: TimeWindow
}

export interface BudgetState {
  watching: boolean
  sharedThisMonth: number
}

export interface BandwidthBudgetInit {
  settings: () => SeedingSettings
  now: () => number
}

export class BandwidthBudget {
  constructor (private readonly init: BandwidthBudgetInit) {}

  inForce (state: BudgetState): UploadAllowance {
    const settings = this.init.settings()
    if (settings.paused) return closed('paused')
    const remaining = settings.monthlyCap === null ? Infinity : settings.monthlyCap - state.sharedThisMonth
    if (remaining <= 0) return closed('cap-reached')
    const idle = this.idleRate(settings)
    if (state.watching) {
      if (settings.watchingRate === 0) {
        // Reciprocity is still bounded by what the viewer allows when idle.
        return idle.rate === 0 ? closed('watching') : limited({ mode: 'reciprocal', rate: idle.rate, reason: 'watching' }, remaining)
      }
      return limited({ mode: 'open', rate: settings.watchingRate, reason: 'watching' }, remaining)
    }
    if (idle.rate === 0) return { ...closed(idle.window === undefined ? 'idle' : 'window'), ...(idle.window !== undefined ? { window: idle.window } : {}) }
    const open = limited({ mode: 'open', rate: idle.rate, reason: idle.window === undefined ? 'idle' : 'window' }, remaining)
    return idle.window === undefined ? open : { ...open, window: idle.window }
  }

  /** The window covering the current local time, if any (earlier windows win). */
  activeWindow (settings: SeedingSettings = this.init.settings()): TimeWindow | undefined {
    const minute = localMinuteOfDay(this.init.now())
    return settings.windows.find(window => covers(window, minute))
  }

  private idleRate (settings: SeedingSettings): { rate: Rate, window?: TimeWindow } {
    const window = this.activeWindow(settings)
    return window === undefined ? { rate: settings.idleRate } : { rate: window.rate, window }
  }
}

/** Whether `minute` (after local midnight) falls in the window; a window may cross midnight. */
export function covers (window: TimeWindow, minute: number): boolean {
  const start = minutesOf(window.start)
  const end = minutesOf(window.end)
  return start < end ? minute >= start && minute < end : minute >= start || minute < end
}

function closed (reason: AllowanceReason): UploadAllowance {
  return { mode: 'closed', rate: 0, reason }
}

/**
 * An unlimited rate stays unlimited while more than this is left of the cap: no home uplink
 * sends a gibibyte in the second before the next tick. Below it, the rate is what is left.
 */
const UNLIMITED_CAP_MARGIN = 1024 * 1024 * 1024

function limited (allowance: { mode: UploadMode, rate: Rate, reason: AllowanceReason }, remaining: number): UploadAllowance {
  const rate = allowance.rate === null ? (remaining > UNLIMITED_CAP_MARGIN ? Infinity : remaining) : Math.min(allowance.rate, remaining)
  return { mode: allowance.mode, rate: rate === Infinity ? 0 : Math.max(1, Math.floor(rate)), reason: allowance.reason }
}
