/**
 * Gets each new title ready to play before anyone asks: as soon as a film is on the box, its
 * container index is read and probed (through /stream, so as piece deadlines like any reader),
 * one title at a time, and its opening is fetched ahead of the rest ({@link openingBytes}),
 * so Enter on Play waits for neither. It waits while a film plays, and a title being prepared
 * when a film starts gives way (`prepare` rejects with AbortedError) and is prepared again later.
 * A title that turns out not to play (not a video, damaged) is left for the title screen to
 * explain; it is tried once.
 */
import { AbortedError } from '../errors.js'
import type { Logger } from '../log.js'
import type { Catalog, Title } from './catalog.js'

const DEFAULT_INTERVAL_MS = 1000
/** Playback a title's opening covers, fetched ahead so that Play starts from the box's disk. */
const OPENING_SECONDS = 30
const MiB = 1024 * 1024
/** The opening before a probe tells the bitrate: 8 MiB is about 8 s of a 8 Mbit/s film. */
export const OPENING_GUESS_BYTES = 8 * MiB
const OPENING_MIN_BYTES = 2 * MiB
const OPENING_MAX_BYTES = 32 * MiB

/** Bytes holding the first {@link OPENING_SECONDS} of a film of `length` bytes playing `durationSeconds`. */
export function openingBytes (length: number, durationSeconds: number): number {
  if (!(durationSeconds > 0)) return OPENING_GUESS_BYTES
  const bytes = Math.ceil(length * Math.min(1, OPENING_SECONDS / durationSeconds))
  return Math.min(OPENING_MAX_BYTES, Math.max(OPENING_MIN_BYTES, bytes))
}

export interface TitlePrefetchComponents {
  catalog: Pick<Catalog, 'list'>
  /** Reads what playing the title needs first (the HLS packager's probe); AbortedError when it gave way to a film. */
  prepare: (title: Title) => Promise<unknown>
  /** While true (a film plays or is starting), nothing is prepared: the player needs the box's memory and bandwidth. */
  paused?: () => boolean
  log: Logger
}

export class TitlePrefetch {
  private readonly tried = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined

  constructor (private readonly components: TitlePrefetchComponents, private readonly intervalMs = DEFAULT_INTERVAL_MS) {}

  start (): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => { this.check() }, this.intervalMs)
    this.timer.unref()
    this.check()
  }

  /** Stops looking for new titles and waits for the title being prepared, if any. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /** Prepares, one after another, the playable titles not tried yet; a no-op while a round runs. */
  check (): void {
    if (this.running !== undefined) return
    this.running = this.round().finally(() => { this.running = undefined })
  }

  private async round (): Promise<void> {
    for (const title of this.components.catalog.list()) {
      if (this.timer === undefined) return
      if (!title.playable || this.tried.has(title.id)) continue
      if (this.components.paused?.() === true) return
      this.tried.add(title.id)
      try {
        await this.components.prepare(title)
      } catch (err) {
        if (err instanceof AbortedError) {
          this.tried.delete(title.id)
          this.components.log.debug({ title: title.id }, 'a title being prepared gave way to a film; it is prepared again later')
          return
        }
        this.components.log.debug({ err, title: title.id }, 'a title could not be prepared ahead; its screen will say why')
      }
    }
  }
}
