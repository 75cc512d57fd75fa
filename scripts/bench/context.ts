/**
 * What every bench section gets: its options, a work folder under the OS temp
 * dir (removed at the end), the root clean-up scope and a progress logger that
 * writes to stderr so stdout keeps only the report.
 */
import { CleanupScope } from '../../test/helpers/scope.js'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { reelUnavailableReason, type ReelDaemonOptions } from '../../test/helpers/reel.js'

export interface BenchOptions {
  quick: boolean
  /** Fresh runs per client; medians are reported. */
  runs: number
  /** Size of the download torrent. */
  downloadMiB: number
  /** Size of the first-byte torrent. */
  firstByteMiB: number
  /** Timeout of one download, ms. */
  downloadTimeoutMs: number
  /** Copy child process output to stderr. */
  verbose: boolean
  /** Run this file as the daemon instead of dist/src/cli/main.js (to check the bench itself). */
  daemonEntry: string | undefined
  /** Streaming section: only these clients run (all when undefined). */
  streamClients?: string[] | undefined
  /** Streaming section: only these measures run (all when undefined). */
  streamMeasures?: string[] | undefined
  /** Streaming section: Reel's playback readers declare the playback rate, as the HLS remux declares a film's. */
  reelDeclaresRate?: boolean
  /** Streaming section: the file is a film whose bitrate is the playback rate (film-fixture.ts), not random bytes. */
  streamFilm?: boolean
}

export interface BenchContext {
  opts: BenchOptions
  workDir: string
  scope: CleanupScope
  log(message: string): void
  /** Why `node dist/src/cli/main.js` cannot run, or undefined. */
  reelUnavailable: string | undefined
  /** Options that start the daemon under test. */
  reelDaemon(dataDir: string): ReelDaemonOptions
}

export function createContext(opts: BenchOptions, workDir: string, scope: CleanupScope): BenchContext {
  const started = performance.now()
  return {
    opts,
    workDir,
    scope,
    log(message) {
      process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`)
    },
    reelUnavailable: opts.daemonEntry === undefined
      ? reelUnavailableReason('dist')
      : existsSync(opts.daemonEntry) ? undefined : `${opts.daemonEntry} does not exist`,
    reelDaemon: dataDir => ({
      entry: 'dist',
      dataDir,
      echo: opts.verbose,
      ...(opts.daemonEntry !== undefined ? { entryPath: resolve(opts.daemonEntry) } : {}),
    }),
  }
}

/** Runs `fn` with a scope of its own, always closed afterwards (children stopped, folders removed). */
export async function withScope<T>(fn: (scope: CleanupScope) => Promise<T>): Promise<T> {
  const scope = new CleanupScope()
  try {
    return await fn(scope)
  } finally {
    await scope.close()
  }
}

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB

export function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  return msg.replace(/\s+/g, ' ').slice(0, 300)
}
