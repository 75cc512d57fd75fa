/**
 * The HLS packager: a VOD playlist per title from its probe and keyframe plan, and segments
 * made by at most one ffmpeg remux session per viewer. A segment request is answered from the
 * disk cache, else by waiting for a session that will make it soon (the viewer's own, or any
 * for the same title), else by replacing the viewer's session with one that starts at that
 * segment (a seek). Idle sessions are reaped; stop() kills every child.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AbortedError, BadRequestError, MediaToolError, SegmentTimeoutError } from '../errors.js'
import { audioNeedsTranscode, sessionArgs } from './ffmpeg-args.js'
import { spawnTool, ToolRegistry } from './media-tool.js'
import { makePoster } from './poster.js'
import { assertPlayable } from './probe.js'
import { RemuxSession, SessionEndedError } from './remux-session.js'
import { SegmentCache, titleKey } from './segment-cache.js'
import { renderPlaylist, segmentCount } from './segment-plan.js'
import { TitleMediaCache, type TitleMedia } from './title-media.js'
import type {
  HlsPackager, HlsPackagerInit, HlsRequestOptions, MediaFile, MediaInfoView, MediaProbe, PlaylistOptions, TitleFile
} from './types.js'

export const DEFAULT_CACHE_LIMIT_BYTES = 1024 * 1024 * 1024
export const DEFAULT_IDLE_SESSION_MS = 60_000
export const DEFAULT_SEGMENT_WAIT_MS = 20_000
export const DEFAULT_MAX_SEGMENTS_AHEAD = 10
/** A request this many segments past a session's progress waits for it rather than restarting ffmpeg. */
const WAIT_AHEAD_SEGMENTS = 2
/** Consecutive sessions that may end early for one request before it fails. */
const MAX_ATTEMPTS = 3
export const ANONYMOUS_VIEWER = 'anonymous'

/** Longest a poster waits for playback to end before it is made anyway. */
const POSTER_DEFER_MS = 30_000
/** A playlist or segment asked for this recently means a film is starting: posters wait. */
const PLAY_STARTING_MS = 10_000

export function createHlsPackager (init: HlsPackagerInit): HlsPackager {
  const log = init.log.child({ component: 'hls' })
  const clock = init.clock ?? { now: () => Date.now() }
  const ffmpeg = init.ffmpegPath ?? 'ffmpeg'
  const idleSessionMs = init.idleSessionMs ?? DEFAULT_IDLE_SESSION_MS
  const segmentWaitMs = init.segmentWaitMs ?? DEFAULT_SEGMENT_WAIT_MS
  const maxSegmentsAhead = init.maxSegmentsAhead ?? DEFAULT_MAX_SEGMENTS_AHEAD
  const tools = new ToolRegistry(init.runner ?? spawnTool)
  const shutdown = new AbortController()
  const cache = new SegmentCache({ dir: join(init.cacheDir, 'segments'), limitBytes: init.cacheLimitBytes ?? DEFAULT_CACHE_LIMIT_BYTES, clock, log })
  const media = new TitleMediaCache({
    dir: join(init.cacheDir, 'probes'), tools, ffprobe: init.ffprobePath ?? 'ffprobe', streamUrl: init.streamUrl, log, signal: shutdown.signal
  })
  const sessions = new Map<string, RemuxSession>()
  const posters = new Map<string, Promise<MediaFile>>()
  // Posters are made one at a time, probe included, and not while a film plays, is about to
  // (its playlist was asked for moments ago) or a probe runs (up to POSTER_DEFER_MS): a home
  // screen asks for all at once, and each ffmpeg decoding a frame costs as much memory as the
  // player's own remux, which needs the box's memory, cores and bandwidth more. A poster being
  // made when a film starts is stopped and made again later (backgroundInterrupts), as is a
  // title's probe made ahead by `prepare`.
  let posterQueue: Promise<unknown> = Promise.resolve()
  let lastPlayRequestAt = -Infinity
  const playing = (): boolean => sessions.size > 0 || clock.now() - lastPlayRequestAt < PLAY_STARTING_MS
  const untilNothingPlays = async (): Promise<void> => {
    const giveUpAt = clock.now() + POSTER_DEFER_MS
    const busy = (): boolean => playing() || tools.pids().length > 0
    while (busy() && clock.now() < giveUpAt && !shutdown.signal.aborted) {
      await new Promise(resolve => setTimeout(resolve, 250).unref())
    }
  }
  const backgroundInterrupts = new Set<AbortController>()
  /** Runs `work` with a signal that fires when a film starts (or the packager stops). */
  const asBackground = async <T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const interrupt = new AbortController()
    backgroundInterrupts.add(interrupt)
    try {
      return await work(AbortSignal.any([shutdown.signal, interrupt.signal]))
    } finally {
      backgroundInterrupts.delete(interrupt)
    }
  }
  const makePosterWhenIdle = async (file: TitleFile): Promise<MediaFile> => {
    for (;;) {
      await untilNothingPlays()
      const made = await asBackground(async signal => {
        try {
          return await makePoster({
            file, probe: await media.probe(file, signal), dir: join(init.cacheDir, 'posters'), tools, ffmpeg, streamUrl: init.streamUrl, signal, log
          })
        } catch (err) {
          if (!signal.aborted || shutdown.signal.aborted) throw err
          return undefined
        }
      })
      if (made !== undefined) return made
      log.debug({ infoHash: file.infoHash, fileIndex: file.fileIndex }, 'poster stopped for a film starting; it is made again later')
    }
  }
  let sessionCounter = 0
  let reaper: NodeJS.Timeout | undefined
  let started = false

  const checkRunning = (): void => {
    if (shutdown.signal.aborted) throw new AbortedError('the HLS packager is stopped')
    if (!started) throw new AbortedError('the HLS packager is not started')
  }

  const playable = async (file: TitleFile, options: HlsRequestOptions): Promise<TitleMedia> => {
    checkRunning()
    lastPlayRequestAt = clock.now()
    assertPlayable(await media.probe(file), options)
    return await media.media(file)
  }

  const startSession = async (viewer: string, file: TitleFile, index: number, title: TitleMedia): Promise<RemuxSession> => {
    const previous = sessions.get(viewer)
    if (previous !== undefined) {
      sessions.delete(viewer)
      // Other viewers' requests waiting on it retry with a session of their own.
      await previous.stop(new SessionEndedError('the viewer moved on: another title or a far seek'))
    }
    checkRunning()
    const dir = join(init.cacheDir, 'sessions', `${process.pid}-${++sessionCounter}`)
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    const args = sessionArgs({ url: init.streamUrl(file.infoHash, file.fileIndex, { bytesPerSecond: playbackRate(file, title.probe) }), probe: title.probe, plan: title.plan, firstSegment: index, dir })
    const session = new RemuxSession({
      viewer,
      file,
      firstSegment: index,
      segmentCount: segmentCount(title.plan),
      segmentEnd: n => title.plan.starts[n + 1] ?? title.plan.end,
      dir,
      spawn: () => tools.start(ffmpeg, args),
      onSegment: async (n, path) => { await cache.put(file, n, path) },
      maxSegmentsAhead,
      clock,
      log
    })
    sessions.set(viewer, session)
    void session.ended.then(() => { if (sessions.get(viewer) === session) sessions.delete(viewer) })
    log.info({ infoHash: file.infoHash, fileIndex: file.fileIndex, viewer, firstSegment: index, pid: session.pid }, 'remux session started')
    return session
  }

  /** The session that will make `index` soon: the viewer's own first, then any other for the same title. */
  const producerOf = (viewer: string, file: TitleFile, index: number): RemuxSession | undefined => {
    const own = sessions.get(viewer)
    const same = (s: RemuxSession): boolean => titleKey(s.file) === titleKey(file) && s.willProduceSoon(index, WAIT_AHEAD_SEGMENTS)
    if (own !== undefined && same(own)) return own
    return [...sessions.values()].find(same)
  }

  const reap = (): void => {
    const now = clock.now()
    for (const [viewer, session] of sessions) {
      if (session.busy || now - session.lastRequestAt < idleSessionMs) continue
      sessions.delete(viewer)
      log.info({ infoHash: session.file.infoHash, viewer, idleMs: now - session.lastRequestAt }, 'idle remux session reaped')
      void session.stop(new AbortedError('the remux session was idle'))
    }
  }

  return {
    async start () {
      if (started) return
      await mkdir(init.cacheDir, { recursive: true })
      await rm(join(init.cacheDir, 'sessions'), { recursive: true, force: true })
      await cache.start()
      reaper = setInterval(reap, Math.max(50, Math.min(5000, idleSessionMs / 4)))
      reaper.unref()
      started = true
    },

    async stop () {
      if (shutdown.signal.aborted) return
      shutdown.abort(new AbortedError('the HLS packager stopped'))
      if (reaper !== undefined) clearInterval(reaper)
      const running = [...sessions.values()]
      sessions.clear()
      await Promise.all(running.map(async s => { await s.stop() }))
      await tools.killAll()
    },

    async info (file, options = {}): Promise<MediaInfoView> {
      checkRunning()
      const probe = await media.probe(file, options.signal)
      assertPlayable(probe, options)
      return {
        durationSeconds: probe.durationSeconds,
        video: { codec: probe.video.codec, width: probe.video.width, height: probe.video.height },
        audio: probe.audio === null ? null : { codec: probe.audio.codec, channels: probe.audio.channels },
        audioTranscoded: audioNeedsTranscode(probe),
        playable: true
      }
    },

    async prepare (file) {
      checkRunning()
      const probe = await asBackground(async signal => await media.probe(file, signal))
      return { durationSeconds: probe.durationSeconds }
    },

    async playlist (file, options: PlaylistOptions = {}) {
      // Joins a probe of this title already running before background work (which may be that
      // very probe, made ahead) is stopped: the probe then goes on for the film.
      const ready = playable(file, options)
      for (const interrupt of backgroundInterrupts) interrupt.abort(new AbortedError('a film is starting'))
      const { plan } = await ready
      return renderPlaylist(plan, options.segmentQuery ?? '')
    },

    async segment (file, index, options = {}) {
      const title = await playable(file, options)
      const count = segmentCount(title.plan)
      if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
        throw new BadRequestError(`segment ${index} does not exist; this film has segments 0 to ${count - 1}`)
      }
      const viewer = options.viewer ?? ANONYMOUS_VIEWER
      const own = sessions.get(viewer)
      if (own !== undefined && titleKey(own.file) === titleKey(file)) own.touch(index)
      const cached = cache.get(file, index)
      if (cached !== undefined) return cached

      const timeout = AbortSignal.timeout(segmentWaitMs)
      const signals = [timeout, shutdown.signal, ...(options.signal === undefined ? [] : [options.signal])]
      const signal = AbortSignal.any(signals)
      for (let attempt = 1; ; attempt++) {
        const session = producerOf(viewer, file, index) ?? await startSession(viewer, file, index, title)
        session.touch(index)
        try {
          await session.waitFor(index, signal)
          const made = cache.get(file, index)
          if (made !== undefined) return made
          throw new MediaToolError(`segment ${index} was made but is no longer in the cache; the cache limit is too small`)
        } catch (err) {
          if (timeout.aborted && !shutdown.signal.aborted && options.signal?.aborted !== true) {
            throw new SegmentTimeoutError(`segment ${index} was not ready within ${Math.round(segmentWaitMs / 1000)} s: ` +
              'the film arrives slower than it plays; the player retries it', { cause: err })
          }
          if (!(err instanceof SessionEndedError) || attempt >= MAX_ATTEMPTS) throw err
          log.warn({ infoHash: file.infoHash, viewer, segment: index, attempt, reason: err.message }, 'remux ended early; restarting it')
        }
      }
    },

    async poster (file) {
      checkRunning()
      const key = titleKey(file)
      let pending = posters.get(key)
      if (pending === undefined) {
        pending = posterQueue.then(async () => await makePosterWhenIdle(file))
        posterQueue = pending.catch(() => {})
        posters.set(key, pending)
        pending.catch(() => { posters.delete(key) })
      }
      return await pending
    },

    playing,

    stats () {
      return {
        sessions: [...sessions.values()].map(s => s.stats()),
        pids: tools.pids(),
        cache: cache.stats(),
        probes: media.size
      }
    }
  }
}

/** The film's average bytes per second (whole file over its duration), or undefined when its duration is unknown. */
export function playbackRate (file: TitleFile, probe: MediaProbe): number | undefined {
  return probe.durationSeconds > 0 ? Math.max(1, Math.round(file.length / probe.durationSeconds)) : undefined
}
