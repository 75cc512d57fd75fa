/**
 * Probe results and segment plans per title, cached in memory and on disk
 * (`<dir>/<infoHash>-<fileIndex>.json`), computed once even under concurrent requests. A file
 * that is not video or is unreadable stays refused for the daemon's life (memory only); a probe
 * that failed to reach its source is forgotten, so the next request tries again. A caller may
 * stop waiting for a probe (its signal); the probe itself stops only when nobody waits any more.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AbortedError, MediaUnreadableError, NotVideoError } from '../errors.js'
import type { Logger } from '../log.js'
import { ffprobeArgs, keyframeScanArgs } from './ffmpeg-args.js'
import { readKeyframes } from './keyframe-index.js'
import { lastLines, type ToolRegistry } from './media-tool.js'
import { parseProbe } from './probe.js'
import { httpRangeReader } from './range-read.js'
import { planSegments } from './segment-plan.js'
import { titleKey } from './segment-cache.js'
import type { MediaProbe, SegmentPlan, StreamUrl, TitleFile } from './types.js'

/** Bump when the probe or plan format changes: older disk entries are ignored. */
const FORMAT = 1

export interface TitleMedia { probe: MediaProbe, plan: SegmentPlan }

interface DiskEntry { format: number, length: number, probe: MediaProbe, plan?: SegmentPlan }

/** One probe shared by everyone asking for the same title while it runs. */
interface SharedProbe {
  result: Promise<MediaProbe>
  /** Stops the probe (ffprobe killed) once its last waiter has gone. */
  stop: AbortController
  waiters: number
  settled: boolean
}

export class TitleMediaCache {
  private readonly probes = new Map<string, SharedProbe>()
  private readonly plans = new Map<string, Promise<SegmentPlan>>()

  constructor (private readonly init: {
    dir: string
    tools: ToolRegistry
    ffprobe: string
    streamUrl: StreamUrl
    log: Logger
    /** Aborted when the packager stops. */
    signal: AbortSignal
  }) {}

  get size (): number { return this.probes.size }

  /**
   * The title's probe, made once. When `signal` fires this caller gets AbortedError; the probe
   * goes on for anyone else waiting on it and is stopped (and forgotten) if nobody is.
   */
  async probe (file: TitleFile, signal?: AbortSignal): Promise<MediaProbe> {
    if (signal?.aborted === true) throw stoppedWaiting(signal)
    const key = titleKey(file)
    const shared = this.probes.get(key) ?? this.startProbe(key, file)
    shared.waiters++
    try {
      return await (signal === undefined ? shared.result : untilSettledOrAborted(shared.result, signal))
    } finally {
      shared.waiters--
      if (shared.waiters === 0 && !shared.settled) {
        shared.stop.abort(new AbortedError('nobody waits for this probe any more'))
        if (this.probes.get(key) === shared) this.probes.delete(key)
      }
    }
  }

  private startProbe (key: string, file: TitleFile): SharedProbe {
    const stop = new AbortController()
    const shared: SharedProbe = { result: this.loadProbe(file, AbortSignal.any([this.init.signal, stop.signal])), stop, waiters: 0, settled: false }
    this.probes.set(key, shared)
    shared.result.then(() => { shared.settled = true }, (err: unknown) => {
      shared.settled = true
      const lasting = err instanceof NotVideoError || err instanceof MediaUnreadableError
      if (!lasting && this.probes.get(key) === shared) this.probes.delete(key)
    })
    return shared
  }

  async media (file: TitleFile): Promise<TitleMedia> {
    const probe = await this.probe(file)
    const key = titleKey(file)
    let pending = this.plans.get(key)
    if (pending === undefined) {
      pending = this.loadPlan(file, probe)
      this.plans.set(key, pending)
      pending.catch((err: unknown) => { if (!(err instanceof MediaUnreadableError)) this.plans.delete(key) })
    }
    return { probe, plan: await pending }
  }

  private async loadProbe (file: TitleFile, signal: AbortSignal): Promise<MediaProbe> {
    const disk = await this.readDisk(file)
    if (disk !== undefined) return disk.probe
    signal.throwIfAborted()
    const url = this.init.streamUrl(file.infoHash, file.fileIndex, { background: true })
    const started = Date.now()
    const exit = await this.init.tools.run(this.init.ffprobe, ffprobeArgs(url), signal)
    const probe = parseProbe(file, exit)
    this.init.log.info({ infoHash: file.infoHash, fileIndex: file.fileIndex, container: probe.container, video: probe.video.codec,
      audio: probe.audio?.codec ?? null, durationSeconds: probe.durationSeconds, ms: Date.now() - started }, 'title probed')
    await this.writeDisk(file, { format: FORMAT, length: file.length, probe })
    return probe
  }

  private async loadPlan (file: TitleFile, probe: MediaProbe): Promise<SegmentPlan> {
    const disk = await this.readDisk(file)
    if (disk?.plan !== undefined) return disk.plan
    const url = this.init.streamUrl(file.infoHash, file.fileIndex, { background: true })
    const started = Date.now()
    const { times, origin } = await readKeyframes(probe, {
      read: httpRangeReader(url, file.length),
      fileLength: file.length,
      signal: this.init.signal,
      scan: async () => {
        const exit = await this.init.tools.run(this.init.ffprobe, keyframeScanArgs(url), this.init.signal)
        if (exit.code !== 0) throw new MediaUnreadableError('the keyframes of this video cannot be read; the file is damaged', { cause: new Error(lastLines(exit.stderr)) })
        return exit.stdout
      }
    })
    const plan = planSegments(times, probe.startSeconds + probe.durationSeconds)
    this.init.log.info({ infoHash: file.infoHash, fileIndex: file.fileIndex, keyframes: times.length, origin,
      segments: plan.starts.length, ms: Date.now() - started }, 'segment plan made')
    await this.writeDisk(file, { format: FORMAT, length: file.length, probe, plan })
    return plan
  }

  private path (file: TitleFile): string {
    return join(this.init.dir, `${titleKey(file)}.json`)
  }

  private async readDisk (file: TitleFile): Promise<DiskEntry | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.path(file), 'utf8')) as DiskEntry
      return entry.format === FORMAT && entry.length === file.length ? entry : undefined
    } catch {
      return undefined
    }
  }

  private async writeDisk (file: TitleFile, entry: DiskEntry): Promise<void> {
    try {
      await mkdir(this.init.dir, { recursive: true })
      const path = this.path(file)
      await writeFile(`${path}.partial`, JSON.stringify(entry))
      await rename(`${path}.partial`, path)
    } catch (err) {
      this.init.log.warn({ err, infoHash: file.infoHash }, 'cannot cache the probe on disk')
    }
  }
}

function stoppedWaiting (signal: AbortSignal): AbortedError {
  return new AbortedError('stopped waiting for the probe', { cause: signal.reason })
}

/** `result`, or AbortedError as soon as `signal` fires (the work behind `result` goes on). */
async function untilSettledOrAborted<T> (result: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw stoppedWaiting(signal)
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(stoppedWaiting(signal)) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([result, aborted])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}
