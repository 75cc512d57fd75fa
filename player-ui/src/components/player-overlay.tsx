/** What the player draws over the film: the controls bar and the info panel. */
import type { MediaInfo, TorrentActivity } from '../api.js'
import { clock, percent, rate } from '../format.js'
import { Bar } from './poster.js'

export interface ControlsProps {
  name: string
  position: number
  duration: number
  /** Buffered ranges in seconds. */
  buffered: Array<[number, number]>
  paused: boolean
}

export function Controls ({ name, position, duration, buffered, paused }: ControlsProps) {
  const d = duration > 0 ? duration : 1
  return (
    <div class='controls'>
      <p class='controls__name'>{paused ? `❚❚  ${name}` : name}</p>
      <Bar value={position / d} buffered={buffered.map(([s, e]) => [s / d, e / d])} label='position' />
      <p class='controls__time'>
        <span data-testid='elapsed'>{clock(position)}</span>
        <span class='controls__hint'>◀ ▶ 10 s · OK {paused ? 'play' : 'pause'} · ▲ info</span>
        <span data-testid='total'>{duration > 0 ? clock(duration) : '--:--'}</span>
      </p>
    </div>
  )
}

/** Share of the payload that came from web seeds (the operator's HTTP servers) rather than peers. */
export function webSeedShare (activity: TorrentActivity): number {
  const total = activity.bytesFromPeers + activity.bytesFromWebSeeds
  return total === 0 ? 0 : activity.bytesFromWebSeeds / total
}

export function InfoPanel ({ activity, info }: { activity: TorrentActivity | undefined, info: MediaInfo | undefined }) {
  const rows: Array<[string, string]> = []
  if (activity !== undefined) {
    rows.push(['Peers', `${activity.peers} (${activity.seeds} with the whole film)`])
    rows.push(['Download', rate(activity.downloadRate)])
    rows.push(['From web seed', percent(webSeedShare(activity))])
    rows.push(['Downloaded', percent(activity.progress)])
  }
  if (info !== undefined) {
    rows.push(['Video', `${info.video.codec} ${info.video.width}×${info.video.height}`])
    if (info.audio !== null) rows.push(['Sound', `${info.audio.codec}, ${info.audio.channels} ch${info.audioTranscoded ? ' (converted)' : ''}`])
  }
  return (
    <aside class='info-panel' aria-label='playback details'>
      <h2>Playback details</h2>
      {rows.length === 0 ? <p>Waiting for the box…</p> : (
        <dl>{rows.map(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`}>{v}</dd>])}</dl>
      )}
    </aside>
  )
}
