/**
 * The memory floor under the download's peak RSS target: a Node process started exactly as the
 * daemon is (src/cli/node-flags.ts) that loads the libraries issue 2 and the design name (pino,
 * parse-torrent, bittorrent-protocol with ut_metadata and ut_pex, torrent-discovery, fastify),
 * and does nothing else: no engine, no server, no torrent. Run as a child
 * (`node <daemon flags> --expose-gc library-floor.js`, see ./download.ts); prints one JSON line,
 * a FloorSample, after two full collections.
 */
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

const FLOOR_LIBRARIES: readonly string[] = [
  'pino', 'parse-torrent', 'bittorrent-protocol', 'ut_metadata', 'ut_pex', 'torrent-discovery', 'fastify',
]

export interface FloorSample {
  libraries: readonly string[]
  /** VmRSS once loading has settled. */
  rssBytes: number
  /** VmHWM: the highest it went while loading. */
  peakRssBytes: number
}

async function measureFloor(): Promise<FloorSample> {
  for (const name of FLOOR_LIBRARIES) await import(name)
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect === undefined) throw new Error('library-floor needs --expose-gc')
  for (let i = 0; i < 2; i++) {
    await sleep(250)
    collect()
  }
  const status = await readFile('/proc/self/status', 'utf8')
  const kib = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)
    if (m?.[1] === undefined) throw new Error(`no ${field} in /proc/self/status`)
    return Number(m[1]) * 1024
  }
  return { libraries: FLOOR_LIBRARIES, rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') }
}

process.stdout.write(`${JSON.stringify(await measureFloor())}\n`)
