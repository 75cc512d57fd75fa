/**
 * One viewer's ffmpeg remux, from a given segment to the end of the film. Progress comes from
 * the segment muxer's CSV list (a line is written once a segment file is closed); each finished
 * segment is handed to `onSegment` (the cache) before waiters are told. ffmpeg's exit code is
 * not trusted: a session that exits before the plan's last segment ended early, and its waiters
 * are told so. ffmpeg is paused (SIGSTOP) while too far ahead of what the player asked for.
 */
import { readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { AbortedError, MediaToolError } from '../errors.js'
import type { Logger } from '../log.js'
import { SEGMENT_LIST } from './ffmpeg-args.js'
import { lastLines, type ToolProcess } from './media-tool.js'
import { parseSegmentName } from './segment-plan.js'
import type { Clock, SessionStats, TitleFile } from './types.js'

const POLL_MS = 100
/** A listed segment that ends more than this before its planned end was cut short by a failing source. */
const SHORT_SEGMENT_SECONDS = 0.5

/** The session ended (exit, kill) before making the segment a waiter wanted. */
export class SessionEndedError extends MediaToolError {}

export interface RemuxSessionInit {
  viewer: string
  file: TitleFile
  firstSegment: number
  segmentCount: number
  /** Where each segment ends in source time (the plan): a segment listed as ending early is incomplete. */
  segmentEnd: (index: number) => number
  /** Scratch folder ffmpeg writes into; removed when the session ends. */
  dir: string
  /** Starts ffmpeg (the args already name `dir`). */
  spawn: () => ToolProcess
  /** Takes a finished segment file (moves it into the cache). */
  onSegment: (index: number, path: string) => Promise<void>
  maxSegmentsAhead: number
  clock: Clock
  log: Logger
}

interface Waiter { index: number, resolve: () => void, reject: (err: Error) => void }

export class RemuxSession {
  readonly viewer: string
  readonly file: TitleFile
  readonly firstSegment: number
  readonly startedAt: number
  /** The next segment ffmpeg will finish. */
  next: number
  lastRequested: number
  lastRequestAt: number
  paused = false
  /** Resolves once ffmpeg is gone and the scratch folder removed. */
  readonly ended: Promise<void>
  private alive = true
  private endReason: Error | undefined
  private readonly child: ToolProcess
  private readonly waiters = new Set<Waiter>()
  private readonly timer: NodeJS.Timeout
  private listed = 0
  private polling: Promise<void> = Promise.resolve()

  constructor (private readonly init: RemuxSessionInit) {
    this.viewer = init.viewer
    this.file = init.file
    this.firstSegment = init.firstSegment
    this.next = init.firstSegment
    this.lastRequested = init.firstSegment
    this.startedAt = this.lastRequestAt = init.clock.now()
    this.child = init.spawn()
    this.timer = setInterval(() => { this.poll() }, POLL_MS)
    this.timer.unref()
    this.ended = this.child.exited.then(async exit => {
      clearInterval(this.timer)
      this.poll()
      await this.polling
      const complete = this.next >= init.segmentCount
      this.alive = false
      if (!complete) {
        this.endReason ??= new SessionEndedError(
          `ffmpeg stopped after segment ${this.next - 1} of ${init.segmentCount} (exit ${String(exit.code ?? exit.signal)}): ${lastLines(exit.stderr) || 'no output'}`)
        if (exit.signal !== 'SIGKILL') init.log.warn({ ...this.logFields(), code: exit.code, stderr: lastLines(exit.stderr) }, 'remux ended early')
      } else {
        init.log.debug(this.logFields(), 'remux finished')
      }
      for (const waiter of this.waiters) waiter.reject(this.endReason ?? new SessionEndedError('the remux session ended'))
      this.waiters.clear()
      await rm(init.dir, { recursive: true, force: true })
    })
    init.log.debug({ ...this.logFields(), pid: this.child.pid }, 'remux started')
  }

  get pid (): number | undefined { return this.child.pid }
  /** A request is waiting on this session: it is not idle, whatever the time since the request came. */
  get busy (): boolean { return this.waiters.size > 0 }
  get running (): boolean { return this.alive }

  /** Whether this session makes `index` without a restart: at or past its start, at most `ahead` past its progress. */
  willProduceSoon (index: number, ahead: number): boolean {
    return this.alive && index >= this.firstSegment && index <= this.next + ahead && index < this.init.segmentCount
  }

  /** The player asked for `index`: keep the session alive, and let ffmpeg run again if it waited for the player. */
  touch (index: number): void {
    this.lastRequested = index
    this.lastRequestAt = this.init.clock.now()
    if (this.paused && this.next - index < this.init.maxSegmentsAhead) this.resume()
  }

  /** Resolves once segment `index` is in the cache; rejects when the session ends without it or on abort. */
  async waitFor (index: number, signal?: AbortSignal): Promise<void> {
    if (index < this.next) return
    if (!this.alive) throw this.endReason ?? new SessionEndedError('the remux session ended')
    signal?.throwIfAborted()
    // Whatever the pause rule says, a waiting request needs ffmpeg running.
    if (this.paused) this.resume()
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { settle(); reject(signal?.reason instanceof Error ? signal.reason : new AbortedError('segment wait aborted')) }
      const settle = (): void => { this.waiters.delete(waiter); signal?.removeEventListener('abort', onAbort) }
      const waiter: Waiter = {
        index,
        resolve: () => { settle(); resolve() },
        reject: err => { settle(); reject(err) }
      }
      this.waiters.add(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Kills ffmpeg; waiters get `reason`. */
  async stop (reason: Error = new AbortedError('the remux session was stopped')): Promise<void> {
    this.endReason ??= reason
    this.child.kill()
    await this.ended
  }

  stats (): SessionStats {
    return {
      viewer: this.viewer,
      infoHash: this.file.infoHash,
      fileIndex: this.file.fileIndex,
      pid: this.child.pid,
      firstSegment: this.firstSegment,
      nextSegment: this.next,
      paused: this.paused,
      startedAt: this.startedAt
    }
  }

  private resume (): void {
    this.paused = false
    this.child.resume()
  }

  private poll (): void {
    this.polling = this.polling.then(async () => { await this.readList() }).catch((err: unknown) => {
      this.init.log.warn({ ...this.logFields(), err }, 'cannot take a finished segment')
      this.endReason ??= new MediaToolError(`a finished segment could not be stored: ${(err as Error).message}`)
      this.child.kill()
    })
  }

  private async readList (): Promise<void> {
    const text = await readFile(join(this.init.dir, SEGMENT_LIST), 'utf8').catch(() => '')
    const lines = text.split('\n').filter(l => l.includes(','))
    for (; this.listed < lines.length && this.endReason === undefined; this.listed++) {
      const [name = '', , endText = ''] = (lines[this.listed] ?? '').split(',')
      const index = parseSegmentName(name)
      if (index === undefined) continue
      const path = join(this.init.dir, name)
      const size = (await stat(path).catch(() => undefined))?.size ?? 0
      const end = Number(endText)
      const planned = this.init.segmentEnd(index)
      if (size === 0 || !(end >= planned - SHORT_SEGMENT_SECONDS)) {
        // ffmpeg writes what it has and exits 0 when its source fails: never pass that on as a segment.
        this.endReason = new SessionEndedError(
          `ffmpeg stopped early: segment ${index} is incomplete (${size} bytes, ends at ${end.toFixed(3)} s of ${planned.toFixed(3)} s); its source failed`)
        this.init.log.warn({ ...this.logFields(), segment: index, size, end, planned }, 'incomplete segment dropped')
        this.child.kill()
        return
      }
      await this.init.onSegment(index, path)
      this.next = Math.max(this.next, index + 1)
      for (const waiter of this.waiters) {
        if (waiter.index > index) continue
        this.lastRequestAt = this.init.clock.now()
        waiter.resolve()
      }
    }
    if (!this.paused && this.alive && this.next - this.lastRequested > this.init.maxSegmentsAhead) {
      this.paused = true
      this.child.pause()
    }
  }

  private logFields (): Record<string, unknown> {
    return { infoHash: this.file.infoHash, fileIndex: this.file.fileIndex, viewer: this.viewer, firstSegment: this.firstSegment }
  }
}
