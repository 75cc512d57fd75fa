/**
 * Facts about this screen that the daemon needs: a stable viewer id (one ffmpeg session per
 * viewer), whether the browser decodes HEVC, and whether something is playing or on screen.
 */
import { api } from './api.js'

const VIEWER_KEY = 'reel.viewerId'

/** A random id kept in localStorage, so a reload is the same viewer. */
export function viewerId (): string {
  let id: string | null = null
  try { id = localStorage.getItem(VIEWER_KEY) } catch { /* storage disabled: a fresh id per load */ }
  if (id === null || !/^[A-Za-z0-9-]{8,64}$/.test(id)) {
    id = typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('')
    try { localStorage.setItem(VIEWER_KEY, id) } catch { /* as above */ }
  }
  return id
}

/** Whether Media Source Extensions take HEVC here (Chromium on a PC says no; some TVs say yes). */
export function decodesHevc (): boolean {
  const ms = (window as { MediaSource?: typeof MediaSource }).MediaSource
  return ms !== undefined && ms.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"')
}

/** The HLS playlist URL for this viewer. */
export function playlistUrlFor (playlistUrl: string): string {
  const query = new URLSearchParams({ viewer: viewerId() })
  if (decodesHevc()) query.set('hevc', '1')
  return `${playlistUrl}?${query.toString()}`
}

let playing = false
let lastReport = ''
let heartbeat: ReturnType<typeof setInterval> | undefined

function report (): void {
  const state = { playing, visible: document.visibilityState === 'visible' }
  const key = JSON.stringify(state)
  lastReport = key
  api.reportPlayer(state).catch(() => { lastReport = '' })
}

/** The player calls this on play, pause, end and leave; changes are sent at once. */
export function setPlaying (value: boolean): void {
  playing = value
  if (JSON.stringify({ playing, visible: document.visibilityState === 'visible' }) !== lastReport) report()
}

/** Starts reporting presence: now, on visibility changes, and every 30 s (the daemon forgets after 90 s). */
export function startPresence (): void {
  report()
  document.addEventListener('visibilitychange', report)
  heartbeat ??= setInterval(report, 30_000)
}
