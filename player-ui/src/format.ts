/** Numbers as a viewer reads them from a sofa: times, sizes, rates, shares. */

/** 83 → "1:23", 3723 → "1:02:03". */
export function clock (seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

export function bytes (n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = n
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++ }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit] ?? 'B'}`
}

/** Bytes per second as megabits per second, the unit of internet plans. */
export function rate (bytesPerSecond: number): string {
  return `${(bytesPerSecond * 8 / 1e6).toFixed(1)} Mbit/s`
}

export function percent (share: number): string {
  return `${Math.floor(Math.max(0, Math.min(1, share)) * 100)} %`
}

/**
 * Sizes in the sharing budget. They count in 1024s like the daemon's own defaults (2 MiB/s,
 * 100 GiB), so a step of the budget reads as a round number, and carry the units viewers know.
 */
export function budgetBytes (n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = Math.max(0, n)
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++ }
  const text = value >= 100 || unit === 0 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '')
  return `${text} ${units[unit] ?? 'B'}`
}

/** An upload rate in the budget's units: 2097152 → "2 MB/s". */
export function uploadRate (bytesPerSecond: number): string {
  return `${budgetBytes(bytesPerSecond)}/s`
}
