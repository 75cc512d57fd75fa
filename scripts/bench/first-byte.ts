/**
 * First-byte section: Reel is given a torrent nobody seeds, a GET /stream of
 * its first file is already waiting, then one libtorrent seeder starts (seed
 * mode, so it serves at once, and dialling Reel's peer port when the daemon
 * reports it). Measured: from the seeder's "listening" line to the first body
 * byte of the response; the bytes are checked against the fixture.
 */
import { request } from 'node:http'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTorrentFixture, startTracker, type TorrentFixture } from '../../test/helpers/fixtures.js'
import { startLibtorrentPeer } from '../../test/helpers/libtorrent.js'
import { startReelDaemon } from '../../test/helpers/reel.js'
import { errorMessage, MiB, withScope, type BenchContext } from './context.js'
import { fmt, median, type SectionReport } from './report.js'

type Run = { ok: true, ms: number, headersMs: number } | { ok: false, reason: string }

const TIMEOUT_MS = 30_000

export async function runFirstByteBench(ctx: BenchContext): Promise<SectionReport> {
  return withScope(async section => {
    const tracker = await startTracker(section)
    ctx.log(`generating ${ctx.opts.firstByteMiB} MiB first-byte fixture`)
    const fx = await makeTorrentFixture(join(ctx.workDir, 'first-byte-fixture'), {
      name: 'first-byte.bin',
      files: [{ path: 'first-byte.bin', length: ctx.opts.firstByteMiB * MiB }],
      pieceLength: MiB,
      announce: [tracker.announceUrl],
      seed: 'reel-bench-first-byte',
    })
    const runs: Run[] = []
    for (let run = 1; run <= ctx.opts.runs; run++) {
      const previous = runs.find((r): r is { ok: false, reason: string } => !r.ok && r.reason.startsWith('Reel daemon not available'))
      if (previous !== undefined) {
        runs.push(previous)
        continue
      }
      ctx.log(`first byte run ${run}/${ctx.opts.runs}`)
      const result = await oneRun(ctx, fx, run).catch((err: unknown) => ({ ok: false as const, reason: errorMessage(err) }))
      ctx.log(`first byte run ${run}: ${result.ok ? `${result.ms.toFixed(0)} ms` : `failed: ${result.reason}`}`)
      runs.push(result)
    }
    const ok = runs.filter((r): r is Extract<Run, { ok: true }> => r.ok)
    const failure = runs.find((r): r is Extract<Run, { ok: false }> => !r.ok)
    const ms = median(ok.map(r => r.ms))
    const headersMs = median(ok.map(r => r.headersMs))
    return {
      name: 'First byte',
      tables: [{
        title: 'First byte of /stream on a 0 % file after the first peer appears',
        columns: ['client', 'runs ok', 'first body byte ms', 'headers ms', 'status'],
        rows: [['Reel', `${ok.length}/${runs.length}`, fmt(ms, 0), fmt(headersMs, 0), failure === undefined ? 'ok' : failure.reason]],
        notes: [
          `${fx.totalLength / MiB} MiB file, ${fx.pieceLength / MiB} MiB pieces, one libtorrent seeder in seed mode started after the request; ` +
            `time from its "listening" line, median of ${ctx.opts.runs}. headers ms < 0 means Reel answered before the seeder started.`,
        ],
      }],
      checks: [],
      data: { runs },
    }
  })
}

async function oneRun(ctx: BenchContext, fx: TorrentFixture, run: number): Promise<Run> {
  if (ctx.reelUnavailable !== undefined) return { ok: false, reason: `Reel daemon not available: ${ctx.reelUnavailable}` }
  return withScope(async scope => {
    const dataDir = join(ctx.workDir, `reel-first-byte-${run}`)
    scope.teardown(() => rm(dataDir, { recursive: true, force: true }))
    let reel
    try {
      reel = await startReelDaemon(scope, ctx.reelDaemon(dataDir))
    } catch (err) {
      return { ok: false, reason: `Reel daemon not available: ${errorMessage(err)}` }
    }
    await reel.api.addTorrent(fx.torrentFile)
    const response = firstBytes(`${reel.url}/stream/${fx.infoHash}/0`, TIMEOUT_MS)
    scope.teardown(() => response.cancel())
    // let the request reach the daemon before any peer exists
    await Promise.race([response.headers, new Promise(resolve => setTimeout(resolve, 200))])

    const seeder = await startLibtorrentPeer(scope, {
      torrentPath: fx.torrentPath,
      save: fx.dir,
      mode: 'seed',
      seedMode: true,
      peers: reel.torrentPort !== undefined ? [`127.0.0.1:${reel.torrentPort}`] : [],
      echo: ctx.opts.verbose,
    })
    const listening = seeder.output.last('listening')
    const t0 = (listening && seeder.output.receivedAt(listening)) ?? performance.now()
    const { at, chunk } = await response.body
    const headersAt = await response.headers
    if (!chunk.equals(fx.expectedBytes(0, 0, chunk.length))) throw new Error('the first bytes from /stream are wrong')
    return { ok: true, ms: at - t0, headersMs: headersAt - t0 }
  })
}

interface PendingResponse {
  /** performance.now() when the status line and headers arrived. */
  headers: Promise<number>
  /** performance.now() and the first chunk of the body. */
  body: Promise<{ at: number, chunk: Buffer }>
  cancel(): void
}

/** Starts a GET and reports when its headers and its first body chunk arrive, then drops the connection. */
function firstBytes(url: string, timeoutMs: number): PendingResponse {
  const headers = deferred<number>()
  const body = deferred<{ at: number, chunk: Buffer }>()
  headers.promise.catch(() => {})
  body.promise.catch(() => {})
  const fail = (err: Error): void => {
    headers.reject(err)
    body.reject(err)
  }
  const req = request(url, res => {
    headers.resolve(performance.now())
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      fail(new Error(`GET /stream answered ${res.statusCode}`))
      res.resume()
      return
    }
    res.once('data', (chunk: Buffer) => {
      body.resolve({ at: performance.now(), chunk })
      req.destroy()
    })
    res.once('end', () => fail(new Error('GET /stream ended without a body')))
  })
  const timer = setTimeout(() => {
    fail(new Error(`no body byte within ${timeoutMs} ms`))
    req.destroy()
  }, timeoutMs)
  req.on('error', fail)
  req.on('close', () => clearTimeout(timer))
  req.end()
  return {
    headers: headers.promise,
    body: body.promise,
    cancel: () => {
      clearTimeout(timer)
      req.destroy()
    },
  }
}

/** Node 20 has no Promise.withResolvers. */
function deferred<T>(): { promise: Promise<T>, resolve(v: T): void, reject(e: Error): void } {
  let resolve!: (v: T) => void
  let reject!: (e: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
