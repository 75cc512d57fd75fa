/**
 * Gets each new title ready to play before anyone asks: as soon as a film is on the box, its
 * container index is read and probed (through /stream, so as piece deadlines like any reader),
 * one title at a time, so Enter on Play does not wait for it. A title that turns out not to
 * play (not a video, damaged) is left for the title screen to explain; it is tried once.
 */
import type { Logger } from '../log.js'
import type { Catalog, Title } from './catalog.js'

const DEFAULT_INTERVAL_MS = 1000

export interface TitlePrefetchComponents {
  catalog: Pick<Catalog, 'list'>
  /** Reads what playing the title needs first (the HLS packager's probe); resolves when done. */
  prepare: (title: Title) => Promise<unknown>
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
      this.tried.add(title.id)
      try {
        await this.components.prepare(title)
      } catch (err) {
        this.components.log.debug({ err, title: title.id }, 'a title could not be prepared ahead; its screen will say why')
      }
    }
  }
}
