/** Calendar keys in the box's local time zone: the day and month the accounting rolls over on. */

/** `YYYY-MM-DD` of the local day holding `ms`. */
export function localDayKey (ms: number): string {
  const date = new Date(ms)
  return `${localMonthKey(ms)}-${String(date.getDate()).padStart(2, '0')}`
}

/** `YYYY-MM` of the local month holding `ms`. */
export function localMonthKey (ms: number): string {
  const date = new Date(ms)
  return `${String(date.getFullYear()).padStart(4, '0')}-${String(date.getMonth() + 1).padStart(2, '0')}`
}

/** Minutes since local midnight. */
export function localMinuteOfDay (ms: number): number {
  const date = new Date(ms)
  return date.getHours() * 60 + date.getMinutes()
}
