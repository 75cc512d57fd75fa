/**
 * One film playing through hls.js into a <video>: starts at a position, retries what can be
 * retried (a segment that failed to arrive, a decoder hiccup) and turns the rest into one
 * message for the viewer. Fatal errors are also kept on `window.__reel` for tests and the bench.
 */
import Hls, { ErrorDetails, ErrorTypes, Events, type ErrorData } from 'hls.js/light'

export interface PlaybackDiagnostics {
  /** Every fatal hls.js error, as `type/details`. */
  hlsFatal: string[]
  /** Non-fatal ones, newest last, at most 50. */
  hlsErrors: string[]
}

declare global {
  interface Window { __reel?: PlaybackDiagnostics }
}

export function diagnostics (): PlaybackDiagnostics {
  window.__reel ??= { hlsFatal: [], hlsErrors: [] }
  return window.__reel
}

export interface HlsSessionInit {
  video: HTMLVideoElement
  playlistUrl: string
  startPosition: number
  /** Called once when playback cannot go on; the message is for the viewer. */
  onFatal: (message: string) => void
}

export interface HlsSession { destroy (): void }

const NETWORK_RETRIES = 3
const MEDIA_RECOVERIES = 2

/** Reads the daemon's `{"error": {message}}` for a URL whose load failed (hls.js does not keep bodies). */
async function serverMessage (url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url)
    if (res.ok) return undefined
    const body = await res.json() as { error?: { message?: unknown } }
    return typeof body.error?.message === 'string' ? body.error.message : undefined
  } catch {
    return undefined
  }
}

function explain (data: ErrorData): string {
  switch (data.details) {
    case ErrorDetails.BUFFER_ADD_CODEC_ERROR:
    case ErrorDetails.BUFFER_INCOMPATIBLE_CODECS_ERROR:
    case ErrorDetails.MANIFEST_INCOMPATIBLE_CODECS_ERROR:
      return 'This TV cannot decode this film\'s video format. It needs a version of the film in H.264.'
    case ErrorDetails.MANIFEST_LOAD_TIMEOUT:
    case ErrorDetails.MANIFEST_LOAD_ERROR:
      return 'The box could not prepare this film for playback. Go back and try again in a moment.'
    case ErrorDetails.FRAG_LOAD_ERROR:
    case ErrorDetails.FRAG_LOAD_TIMEOUT:
      return 'The film stopped arriving from the box. Go back and try again; if it keeps happening, the download may have stalled.'
    default:
      return data.type === ErrorTypes.MEDIA_ERROR
        ? 'This film\'s video could not be decoded; the file may be damaged.'
        : `Playback stopped (${data.details}). Go back and try again.`
  }
}

/** Plays through hls.js when the browser has Media Source Extensions, else natively. */
export function startHlsSession (init: HlsSessionInit): HlsSession {
  const { video, playlistUrl, startPosition, onFatal } = init
  let failed = false
  const fail = (message: string): void => {
    if (failed) return
    failed = true
    onFatal(message)
  }

  if (!Hls.isSupported()) {
    video.src = playlistUrl
    const seekOnce = (): void => { if (startPosition > 0) video.currentTime = startPosition }
    video.addEventListener('loadedmetadata', seekOnce, { once: true })
    const onError = (): void => { fail('This TV could not play the film.') }
    video.addEventListener('error', onError)
    void video.play().catch(() => {})
    return { destroy () { video.removeEventListener('error', onError); video.removeAttribute('src'); video.load() } }
  }

  const hls = new Hls({
    startPosition,
    enableWorker: false,
    // A box has little memory: keep 30 s behind and up to a minute ahead.
    backBufferLength: 30,
    maxBufferLength: 30,
    maxMaxBufferLength: 60,
    // The playlist waits for the container's index (an MP4's moov may sit at the torrent's end),
    // and segments come from a torrent: either may take many seconds while pieces arrive.
    manifestLoadPolicy: {
      default: {
        maxTimeToFirstByteMs: Infinity,
        maxLoadTimeMs: 90_000,
        timeoutRetry: { maxNumRetry: 1, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: { maxNumRetry: 3, retryDelayMs: 2000, maxRetryDelayMs: 8000 }
      }
    },
    fragLoadPolicy: {
      default: {
        maxTimeToFirstByteMs: 30_000,
        maxLoadTimeMs: 120_000,
        timeoutRetry: { maxNumRetry: 4, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: { maxNumRetry: 6, retryDelayMs: 1000, maxRetryDelayMs: 8000 }
      }
    }
  })
  let networkRetries = 0
  let mediaRecoveries = 0
  const record = diagnostics()

  hls.on(Events.MANIFEST_PARSED, () => { void video.play().catch(() => {}) })
  hls.on(Events.FRAG_BUFFERED, () => { networkRetries = 0 })
  hls.on(Events.ERROR, (_event, data) => {
    const label = `${data.type}/${data.details}`
    if (!data.fatal) {
      record.hlsErrors.push(label)
      if (record.hlsErrors.length > 50) record.hlsErrors.shift()
      return
    }
    const codecProblem = data.details === ErrorDetails.BUFFER_ADD_CODEC_ERROR || data.details === ErrorDetails.BUFFER_INCOMPATIBLE_CODECS_ERROR
    if (data.type === ErrorTypes.MEDIA_ERROR && !codecProblem && mediaRecoveries < MEDIA_RECOVERIES) {
      mediaRecoveries++
      record.hlsErrors.push(`${label} (recovering)`)
      hls.recoverMediaError()
      return
    }
    const playlistProblem = data.details === ErrorDetails.MANIFEST_LOAD_ERROR || data.details === ErrorDetails.MANIFEST_LOAD_TIMEOUT ||
      data.details === ErrorDetails.MANIFEST_PARSING_ERROR
    if (data.type === ErrorTypes.NETWORK_ERROR && !playlistProblem && networkRetries < NETWORK_RETRIES) {
      networkRetries++
      record.hlsErrors.push(`${label} (retry ${networkRetries})`)
      setTimeout(() => { if (!failed) hls.startLoad(video.currentTime > 0 ? video.currentTime : startPosition) }, 1000 * networkRetries)
      return
    }
    record.hlsFatal.push(label)
    hls.stopLoad()
    const url = data.details === ErrorDetails.MANIFEST_LOAD_ERROR ? playlistUrl : data.frag?.url
    void (url === undefined ? Promise.resolve(undefined) : serverMessage(url)).then(message => { fail(message ?? explain(data)) })
  })
  hls.attachMedia(video)
  hls.loadSource(playlistUrl)
  return { destroy () { failed = true; hls.destroy() } }
}
