/**
 * The budget as stored in `<dataDir>/seeding/settings.json`. A missing file means defaults; a
 * corrupt or invalid one is logged and replaced by defaults rather than keeping the box from
 * starting. Writes are atomic and serialised, so the file always holds the last accepted value.
 */
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { readJsonFile, writeJsonFileAtomically } from '../store/index.js'
import { defaultSettings, mergeSettings, type SeedingSettings } from './settings.js'

export class SettingsStore {
  readonly path: string
  private current: SeedingSettings = defaultSettings()
  private writing: Promise<void> = Promise.resolve()

  constructor (dataDir: string, private readonly log: Logger) {
    this.path = join(dataDir, 'seeding', 'settings.json')
  }

  /** Reads the stored settings; never throws for a bad file (defaults + a log line instead). */
  async load (): Promise<SeedingSettings> {
    try {
      const stored = await readJsonFile(this.path)
      this.current = stored === undefined ? defaultSettings() : mergeSettings(defaultSettings(), stored)
    } catch (err) {
      this.log.error({ err, path: this.path }, 'sharing settings unreadable; using the defaults until they are saved again')
      this.current = defaultSettings()
    }
    return this.get()
  }

  get (): SeedingSettings {
    return structuredClone(this.current)
  }

  /** Validates `patch` against the current settings (BadRequestError), stores and returns the result. */
  async update (patch: unknown): Promise<SeedingSettings> {
    const next = mergeSettings(this.current, patch)
    const write = this.writing.then(async () => await writeJsonFileAtomically(this.path, next))
    this.writing = write.catch(() => {})
    await write
    this.current = next
    return this.get()
  }
}
