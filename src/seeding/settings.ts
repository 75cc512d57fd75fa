/**
 * The viewer's sharing budget: what the box may upload while idle and while watching, time
 * windows with their own rate, a monthly cap, a pause switch, the quiet period before a box
 * counts as idle, and the data-dir cap. `mergeSettings` is the only way in: it validates a
 * whole or partial object and names the first bad field, so stored and API values are always sound.
 */
import { BadRequestError } from '../errors.js'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/**
 * Bytes per second. `null` means unlimited. For `idleRate` and window rates 0 means "share
 * nothing"; for `watchingRate` 0 means "only reciprocate to peers feeding the film on screen".
 */
export type Rate = number | null

/** A daily window in local time, `HH:MM` to `HH:MM` (end exclusive; may cross midnight). */
export interface TimeWindow {
  start: string
  end: string
  rate: Rate
}

/** How much of the disk the data dir may use: absolute bytes, or a percentage of its filesystem. */
export type DiskCap = { bytes: number } | { percent: number }

export interface SeedingSettings {
  idleRate: Rate
  watchingRate: Rate
  /** Earlier windows win when windows overlap. */
  windows: TimeWindow[]
  /** Bytes per calendar month (local time); `null` for no cap. */
  monthlyCap: number | null
  paused: boolean
  /** How long after the last stream closes or the player stops before the box counts as idle. */
  quietPeriodSeconds: number
  /** `null` for no cap (the disk-full error still protects the box). */
  diskCap: DiskCap | null
}

export const DEFAULT_SETTINGS: Readonly<SeedingSettings> = Object.freeze({
  idleRate: 2 * MiB,
  watchingRate: 0,
  windows: [],
  monthlyCap: 100 * GiB,
  paused: false,
  quietPeriodSeconds: 120,
  diskCap: { percent: 90 }
})

export function defaultSettings (): SeedingSettings {
  return structuredClone(DEFAULT_SETTINGS) as SeedingSettings
}

const KEYS = ['idleRate', 'watchingRate', 'windows', 'monthlyCap', 'paused', 'quietPeriodSeconds', 'diskCap'] as const
const MAX_WINDOWS = 8
const MAX_QUIET_SECONDS = 24 * 3600

/**
 * `current` with the fields of `patch` replaced, validated. Unknown keys and bad values throw
 * BadRequestError naming the field, the form it expects and what it got.
 */
export function mergeSettings (current: SeedingSettings, patch: unknown): SeedingSettings {
  if (!isObject(patch)) throw new BadRequestError(`settings must be a JSON object with some of the keys ${KEYS.join(', ')}; got ${describe(patch)}`)
  const next = structuredClone(current)
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case 'idleRate': next.idleRate = rate(key, value, '0 stops sharing while idle'); break
      case 'watchingRate': next.watchingRate = rate(key, value, '0 shares only with peers that feed the film on screen'); break
      case 'windows': next.windows = windows(value); break
      case 'monthlyCap': next.monthlyCap = value === null ? null : wholeNumber(key, value, 'a whole number of bytes per month, or null for no cap'); break
      case 'paused':
        if (typeof value !== 'boolean') throw bad(key, 'true or false', value)
        next.paused = value
        break
      case 'quietPeriodSeconds': {
        const seconds = wholeNumber(key, value, `a whole number of seconds from 1 to ${MAX_QUIET_SECONDS}`)
        if (seconds < 1 || seconds > MAX_QUIET_SECONDS) throw bad(key, `a whole number of seconds from 1 to ${MAX_QUIET_SECONDS}`, value)
        next.quietPeriodSeconds = seconds
        break
      }
      case 'diskCap': next.diskCap = diskCap(value); break
      default: throw new BadRequestError(`unknown settings key "${key}"; known keys: ${KEYS.join(', ')}`)
    }
  }
  return next
}

/** Minutes after local midnight for a valid `HH:MM`. */
export function minutesOf (clock: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(clock)
  if (match === null) throw new RangeError(`not an HH:MM time: ${clock}`)
  return Number(match[1]) * 60 + Number(match[2])
}

function rate (key: string, value: unknown, zeroMeans: string): Rate {
  if (value === null) return null
  return wholeNumber(key, value, `a whole number of bytes per second (${zeroMeans}), or null for unlimited`)
}

function wholeNumber (key: string, value: unknown, expected: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(key, expected, value)
  return value
}

function windows (value: unknown): TimeWindow[] {
  if (!Array.isArray(value) || value.length > MAX_WINDOWS) throw bad('windows', `a list of at most ${MAX_WINDOWS} {"start": "HH:MM", "end": "HH:MM", "rate": bytes/s or null}`, value)
  return value.map((item: unknown, i) => {
    const key = `windows[${i}]`
    if (!isObject(item)) throw bad(key, '{"start": "HH:MM", "end": "HH:MM", "rate": bytes/s or null}', item)
    for (const name of Object.keys(item)) if (!['start', 'end', 'rate'].includes(name)) throw new BadRequestError(`unknown key "${key}.${name}"; a window has start, end and rate`)
    const start = clockTime(`${key}.start`, item.start)
    const end = clockTime(`${key}.end`, item.end)
    if (start === end) throw new BadRequestError(`"${key}" starts and ends at ${start}; a window needs two different times (it may cross midnight)`)
    return { start, end, rate: rate(`${key}.rate`, item.rate, '0 shares nothing in the window') }
  })
}

function clockTime (key: string, value: unknown): string {
  if (typeof value !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) throw bad(key, 'a local time "HH:MM" from 00:00 to 23:59', value)
  return value
}

function diskCap (value: unknown): DiskCap | null {
  if (value === null) return null
  const expected = '{"bytes": N} or {"percent": 1..100} (of the filesystem holding the data dir), or null for no cap'
  if (!isObject(value) || Object.keys(value).length !== 1) throw bad('diskCap', expected, value)
  if ('bytes' in value) {
    const bytes = value.bytes
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 1) throw bad('diskCap', expected, value)
    return { bytes }
  }
  const percent = value.percent
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0 || percent > 100) throw bad('diskCap', expected, value)
  return { percent }
}

function bad (key: string, expected: string, got: unknown): BadRequestError {
  return new BadRequestError(`"${key}" must be ${expected}; got ${describe(got)}`)
}

function describe (value: unknown): string {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 80 ? text.slice(0, 77) + '...' : text
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
