/**
 * The player: the film full screen through hls.js, a controls bar that shows on any key and
 * while paused, a spinner that says why playback waits, and an info panel (▲ or `i`).
 * The position is saved every few seconds, on pause and on leaving, for "Resume".
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, viewerMessage, type MediaInfo, type Title, type TorrentActivity } from '../api.js'
import { Problem, Spinner } from '../components/message.js'
import { Controls, InfoPanel } from '../components/player-overlay.js'
import { startHlsSession } from '../player/hls-session.js'
import { useRemote } from '../remote.js'
import { back } from '../router.js'
import { playlistUrlFor, setPlaying } from '../viewer.js'

const SEEK_STEP = 10
const SKIP_STEP = 30
const SAVE_EVERY_MS = 5000
const ACTIVITY_EVERY_MS = 2000
const CONTROLS_FOR_MS = 4000

/** Why the spinner spins, from the torrent's state. */
export function waitingReason (activity: TorrentActivity | undefined): string {
  if (activity === undefined || activity.progress >= 1) return 'Loading…'
  return activity.peers === 0 ? 'Waiting for peers' : 'Downloading…'
}

function bufferedOf (video: HTMLVideoElement): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let i = 0; i < video.buffered.length; i++) out.push([video.buffered.start(i), video.buffered.end(i)])
  return out
}

export function Player ({ id, from }: { id: string, from: number }) {
  const videoRef = useRef<HTMLVideoElement>(null)
  const [title, setTitle] = useState<Title | undefined>(undefined)
  const [info, setInfo] = useState<MediaInfo | undefined>(undefined)
  const [activity, setActivity] = useState<TorrentActivity | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [waiting, setWaiting] = useState(true)
  const [paused, setPaused] = useState(false)
  const [position, setPosition] = useState(from)
  const [duration, setDuration] = useState(0)
  const [buffered, setBuffered] = useState<Array<[number, number]>>([])
  const [controlsUntil, setControlsUntil] = useState(Date.now() + CONTROLS_FOR_MS)
  const [showInfo, setShowInfo] = useState(false)
  const seekTarget = useRef<number | undefined>(undefined)
  const lastSaved = useRef(from)

  const save = (keepalive = false): void => {
    const video = videoRef.current
    if (video === null || title === undefined || problem !== undefined) return
    const at = seekTarget.current ?? video.currentTime
    if (!(at > 0) || Math.abs(at - lastSaved.current) < 1) return
    lastSaved.current = at
    api.savePosition(title.id, at, keepalive).catch(() => { lastSaved.current = -1 })
  }
  const saveRef = useRef(save)
  saveRef.current = save

  // The title, its media info and the playback session.
  useEffect(() => {
    const video = videoRef.current
    if (video === null) return
    let stopped = false
    let session: { destroy: () => void } | undefined
    const stop = (message: string): void => {
      if (stopped) return
      session?.destroy()
      setProblem(message)
      setWaiting(false)
    }
    api.title(id).then(found => {
      if (stopped) return
      setTitle(found)
      if (!found.playable) { stop(found.notice ?? 'This file is not a video.'); return }
      // Probe and play at once: waiting for the probe first would add its time to the start.
      api.mediaInfo(found).then(media => { if (!stopped) setInfo(media) }).catch(err => { stop(viewerMessage(err)) })
      session = startHlsSession({ video, playlistUrl: playlistUrlFor(found.playlistUrl), startPosition: from, onFatal: stop })
    }).catch(err => { stop(viewerMessage(err)) })
    return () => {
      stopped = true
      saveRef.current(true)
      session?.destroy()
      setPlaying(false)
    }
  }, [id, from])

  // Torrent activity for the spinner's reason and the info panel.
  useEffect(() => {
    if (title === undefined) return
    let stopped = false
    const poll = (): void => { api.activity(title.infoHash).then(a => { if (!stopped) setActivity(a) }).catch(() => {}) }
    poll()
    const timer = setInterval(poll, ACTIVITY_EVERY_MS)
    return () => { stopped = true; clearInterval(timer) }
  }, [title?.infoHash])

  // Video element events drive the on-screen state.
  useEffect(() => {
    const video = videoRef.current
    if (video === null) return
    const timer = setInterval(() => { saveRef.current() }, SAVE_EVERY_MS)
    const on: Record<string, () => void> = {
      playing: () => { setWaiting(false); setPaused(false); setPlaying(true) },
      waiting: () => { setWaiting(true) },
      seeking: () => { setWaiting(true) },
      seeked: () => { seekTarget.current = undefined; setWaiting(video.readyState < 3) },
      pause: () => { setPaused(true); setPlaying(false); saveRef.current() },
      ended: () => { setPaused(true); setPlaying(false); saveRef.current() },
      timeupdate: () => { setPosition(seekTarget.current ?? video.currentTime) },
      progress: () => { setBuffered(bufferedOf(video)) },
      durationchange: () => { if (Number.isFinite(video.duration)) setDuration(video.duration) }
    }
    for (const [name, fn] of Object.entries(on)) video.addEventListener(name, fn)
    const onHide = (): void => { saveRef.current(true) }
    window.addEventListener('pagehide', onHide)
    return () => {
      clearInterval(timer)
      window.removeEventListener('pagehide', onHide)
      for (const [name, fn] of Object.entries(on)) video.removeEventListener(name, fn)
    }
  }, [])

  const seekBy = (delta: number): void => {
    const video = videoRef.current
    if (video === null) return
    const end = (duration > 0 ? duration : info?.durationSeconds ?? Infinity) - 1
    const target = Math.max(0, Math.min(end, (seekTarget.current ?? video.currentTime) + delta))
    seekTarget.current = target
    setPosition(target)
    video.currentTime = target
  }

  useRemote(action => {
    const video = videoRef.current
    setControlsUntil(Date.now() + CONTROLS_FOR_MS)
    if (action === 'back' && showInfo) { setShowInfo(false); return true }
    if (action === 'back' || action === 'stop') { saveRef.current(true); back(); return true }
    // With nothing playing, only Back means anything.
    if (video === null || problem !== undefined) return true
    switch (action) {
      case 'left': seekBy(-SEEK_STEP); return true
      case 'right': seekBy(SEEK_STEP); return true
      case 'rewind': seekBy(-SKIP_STEP); return true
      case 'fastForward': seekBy(SKIP_STEP); return true
      case 'select': case 'playPause':
        if (video.paused) void video.play().catch(() => {})
        else video.pause()
        return true
      case 'play': void video.play().catch(() => {}); return true
      case 'pause': video.pause(); return true
      case 'up': case 'info': setShowInfo(shown => !shown); return true
      case 'down': setShowInfo(false); return true
      default: return false
    }
  })

  // Re-render when the controls should hide.
  const [, tick] = useState(0)
  useEffect(() => {
    const wait = controlsUntil - Date.now()
    if (wait <= 0) return
    const timer = setTimeout(() => { tick(n => n + 1) }, wait + 50)
    return () => { clearTimeout(timer) }
  }, [controlsUntil])

  const controlsShown = problem === undefined && (paused || waiting || showInfo || Date.now() < controlsUntil)
  return (
    <main class={`screen player${controlsShown ? '' : ' player--bare'}`}>
      <video ref={videoRef} class='player__video' playsInline preload='auto' />
      {problem === undefined && waiting && <Spinner reason={waitingReason(activity)} />}
      {problem !== undefined && (
        <div class='player__problem'>
          <Problem title={title === undefined ? 'Film not found' : `${title.name} cannot play`} message={problem} />
          <p class='hint'>Press Back to return to your films.</p>
        </div>
      )}
      {controlsShown && <Controls name={title?.name ?? ''} position={position} duration={duration > 0 ? duration : info?.durationSeconds ?? 0} buffered={buffered} paused={paused} />}
      {showInfo && <InfoPanel activity={activity} info={info} />}
    </main>
  )
}
