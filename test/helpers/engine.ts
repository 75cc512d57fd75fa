/** An in-process engine on 127.0.0.1 with discovery that leaves the machine off, stopped on teardown. */
import { createEngine, type Engine, type EngineInit, type SeedingControls } from '../../src/engine/index.js'
import { silentLogger } from '../../src/log.js'
import { tempDir } from './fixtures.js'
import type { Teardown } from './scope.js'

export async function startTestEngine (scope: Teardown, overrides: Partial<EngineInit> = {}): Promise<Engine & SeedingControls & { dataDir: string }> {
  const engine = await createTestEngine(scope, overrides)
  await engine.start()
  return engine
}

/** The same engine, not started yet (a seeding policy may have to be in force first, as in the daemon). */
export async function createTestEngine (scope: Teardown, overrides: Partial<EngineInit> = {}): Promise<Engine & SeedingControls & { dataDir: string }> {
  const dataDir = overrides.dataDir ?? await tempDir(scope, 'reel-engine-')
  const engine = createEngine({
    dataDir,
    torrentPort: 0,
    torrentHost: '127.0.0.1',
    dht: false,
    lsd: false,
    upnp: false,
    maxConnections: 50,
    maxConnectionsPerTorrent: 20,
    uploadRateLimit: 0,
    downloadRateLimit: 0,
    log: silentLogger(),
    seed: 1,
    ...overrides
  })
  scope.teardown(async () => await engine.stop())
  return Object.assign(engine, { dataDir })
}

/** Polls until the torrent has every wanted piece; the error names where it got stuck. */
export async function untilComplete (torrent: { stats (): { progress: number } }, timeoutMs = 60_000): Promise<void> {
  const started = Date.now()
  while (torrent.stats().progress < 1) {
    if (Date.now() - started > timeoutMs) throw new Error(`download stuck: ${JSON.stringify(torrent.stats())}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
