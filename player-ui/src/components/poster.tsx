/** A title's poster frame, or its initials on a colour block when the box has no frame (yet). */
import { useState } from 'preact/hooks'
import type { Title } from '../api.js'

export function Poster ({ title }: { title: Title }) {
  const [failed, setFailed] = useState(false)
  if (failed || !title.playable) {
    const initials = title.name.split(' ').filter(w => /^[A-Za-z0-9]/.test(w)).slice(0, 2).map(w => w[0]).join('').toUpperCase()
    return <div class='poster poster--blank' aria-hidden='true'>{initials === '' ? '?' : initials}</div>
  }
  return <img class='poster' src={title.posterUrl} alt='' loading='lazy' decoding='async' onError={() => { setFailed(true) }} />
}

/** A bar of `value` (0..1); `buffered` ranges are drawn under the played part. */
export function Bar ({ value, buffered = [], label }: { value: number, buffered?: Array<[number, number]>, label: string }) {
  const pct = (x: number): string => `${Math.max(0, Math.min(1, x)) * 100}%`
  return (
    <div class='bar' role='progressbar' aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value * 100)}>
      {buffered.map(([start, end]) => <div key={start} class='bar__buffered' style={{ left: pct(start), width: pct(end - start) }} />)}
      <div class='bar__value' style={{ width: pct(value) }} />
    </div>
  )
}
