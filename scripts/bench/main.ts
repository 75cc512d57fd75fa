/**
 * `npm run bench`: Reel against webtorrent on loopback, sections run in order
 * (download, first byte, streaming against webtorrent and libtorrent, the player
 * UI's Enter-to-playing time and memory, seeding at the budget; each a module
 * that returns a `SectionReport`). Flags: --quick (64 MiB, 1 run), --runs N,
 * --size-mib N, --only a,b, --clients a,b (streaming: only these clients, to
 * iterate on one; the anchors' columns then say why they are missing),
 * --measures a,b (streaming: only these of seek, playback, webseed-short, webseed-spare),
 * --reel-declares-rate (streaming: Reel's playback reader asks `/stream/…?rate=` with the
 * playback rate, as the HLS remux does with a film's bitrate), --film (streaming: the file is a
 * Matroska film whose bitrate is the playback rate, instead of random bytes),
 * --json FILE, --verbose, --daemon-entry FILE (run
 * that file as the daemon, e.g. scripts/bench/stand-in-daemon.mjs, to check
 * the bench itself before Reel exists). Every child process is
 * stopped and the work folder removed at the end, on error and on Ctrl-C.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CleanupScope } from '../../test/helpers/scope.js'
import { createContext, errorMessage, type BenchContext, type BenchOptions } from './context.js'
import { runDownloadBench } from './download.js'
import { runFirstByteBench } from './first-byte.js'
import { runPlayerBench } from './player.js'
import { renderSection, type SectionReport } from './report.js'
import { runSeedingBench } from './seeding.js'
import { STREAM_CLIENTS } from './stream-clients.js'
import { runStreamingBench, STREAM_MEASURES } from './streaming.js'

const SECTIONS: Record<string, (ctx: BenchContext) => Promise<SectionReport>> = {
  download: runDownloadBench,
  'first-byte': runFirstByteBench,
  streaming: runStreamingBench,
  player: runPlayerBench,
  seeding: runSeedingBench,
}

function options(): { bench: BenchOptions, only: string[], json: string | undefined } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      'size-mib': { type: 'string' },
      only: { type: 'string' },
      clients: { type: 'string' },
      measures: { type: 'string' },
      json: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'daemon-entry': { type: 'string' },
      'reel-declares-rate': { type: 'boolean', default: false },
      film: { type: 'boolean', default: false },
    },
  })
  const quick = values.quick ?? false
  const runs = Number(values.runs ?? (quick ? 1 : 3))
  const downloadMiB = Number(values['size-mib'] ?? (quick ? 64 : 256))
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer')
  if (!Number.isInteger(downloadMiB) || downloadMiB < 1) throw new Error('--size-mib must be a positive integer')
  const only = values.only === undefined ? Object.keys(SECTIONS) : values.only.split(',').map(s => s.trim())
  for (const s of only) if (!(s in SECTIONS)) throw new Error(`unknown section ${s}; known: ${Object.keys(SECTIONS).join(', ')}`)
  const clients = values.clients?.split(',').map(s => s.trim())
  for (const c of clients ?? []) if (!(STREAM_CLIENTS as readonly string[]).includes(c)) throw new Error(`unknown client ${c}; known: ${STREAM_CLIENTS.join(', ')}`)
  const measures = values.measures?.split(',').map(s => s.trim())
  for (const m of measures ?? []) if (!(STREAM_MEASURES as readonly string[]).includes(m)) throw new Error(`unknown measure ${m}; known: ${STREAM_MEASURES.join(', ')}`)
  return {
    bench: {
      quick,
      runs,
      downloadMiB,
      firstByteMiB: quick ? 16 : 64,
      downloadTimeoutMs: Math.max(60_000, downloadMiB * 1000),
      verbose: values.verbose ?? false,
      daemonEntry: values['daemon-entry'],
      streamClients: clients,
      streamMeasures: measures,
      reelDeclaresRate: values['reel-declares-rate'] ?? false,
      streamFilm: values.film ?? false,
    },
    only,
    json: values.json,
  }
}

async function main(): Promise<number> {
  const { bench, only, json } = options()
  const scope = new CleanupScope()
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return
    interrupted = true
    process.stderr.write(`\n${signal}: stopping peers and removing temp files\n`)
    scope.close().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const workDir = await mkdtemp(join(tmpdir(), 'reel-bench-'))
  scope.teardown(() => rm(workDir, { recursive: true, force: true }))
  const ctx = createContext(bench, workDir, scope)
  const reports: SectionReport[] = []
  let failed = false
  try {
    ctx.log(`work dir ${workDir}; Reel: ${ctx.reelUnavailable === undefined ? (bench.daemonEntry ?? 'dist/src/cli/main.js') : `not available (${ctx.reelUnavailable})`}`)
    for (const name of only) {
      const section = SECTIONS[name]
      if (section === undefined) continue
      try {
        const report = await section(ctx)
        reports.push(report)
        process.stdout.write(renderSection(report) + '\n\n')
      } catch (err) {
        failed = true
        process.stdout.write(`# ${name}\n\nsection failed: ${errorMessage(err)}\n\n`)
      }
    }
    if (json !== undefined) {
      await writeFile(json, JSON.stringify({ options: bench, sections: reports.map(r => ({ name: r.name, checks: r.checks, data: r.data })) }, null, 2))
    }
  } finally {
    await scope.close()
  }
  return failed ? 1 : 0
}

main().then(code => process.exit(code), (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
