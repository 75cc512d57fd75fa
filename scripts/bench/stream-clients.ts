/**
 * The three streaming clients of the streaming section behind one shape: a
 * fresh process with a fresh data dir that adds a raw .torrent and hands back
 * an HTTP Range URL for the torrent's file 0. Reel is the daemon (`/stream`),
 * webtorrent is scripts/peers/wt_stream.mjs (webtorrent's own HTTP server),
 * libtorrent is scripts/peers/lt_stream.py (deadlines + read_piece_alert).
 */
import { join } from 'node:path'
import { JsonLineProcess } from '../../test/helpers/json-line-process.js'
import { PYTHON, repoRoot } from '../../test/helpers/paths.js'
import { startReelDaemon } from '../../test/helpers/reel.js'
import type { CleanupScope } from '../../test/helpers/scope.js'
import { withoutTapHooks } from '../../test/helpers/webtorrent.js'
import { errorMessage, type BenchContext } from './context.js'

export type StreamClientName = 'Reel' | 'webtorrent' | 'libtorrent'
export const STREAM_CLIENTS: readonly StreamClientName[] = ['Reel', 'webtorrent', 'libtorrent']

export interface StreamClient {
  readonly name: StreamClientName
  /** The process whose CPU and memory are sampled. */
  readonly pid: number
  /** Adds the torrent; resolves, once the client can serve it, with the Range URL of file 0. */
  add(torrentFile: Buffer): Promise<string>
  /** When the process has died: how (exit status, stderr tail), to explain a failed run. */
  deathNote(): string | undefined
  stop(): Promise<void>
}

/** Raised when the Reel daemon cannot start at all, so later runs are skipped. */
export class ClientUnavailableError extends Error {
  override name = 'ClientUnavailableError'
}

const START_TIMEOUT_MS = 20_000

/** Starts `name` with data in `dataDir`; stopped when `scope` closes. */
export async function startStreamClient(
  name: StreamClientName, ctx: BenchContext, scope: CleanupScope, dataDir: string,
): Promise<StreamClient> {
  if (name === 'Reel') return startReel(ctx, scope, dataDir)
  const script = join(repoRoot(), 'scripts', 'peers', name === 'webtorrent' ? 'wt_stream.mjs' : 'lt_stream.py')
  const proc = new JsonLineProcess(name === 'webtorrent'
    ? { name: 'wt-stream', command: process.execPath, args: [script, '--save', dataDir], env: withoutTapHooks(process.env), echo: ctx.opts.verbose }
    : { name: 'lt-stream', command: PYTHON, args: [script, '--save', dataDir], env: { ...process.env, PYTHONUNBUFFERED: '1' }, echo: ctx.opts.verbose },
  ).stopOnTeardown(scope)
  const listening = await proc.waitForEvent('listening', { timeoutMs: START_TIMEOUT_MS })
  const control = String(listening['url'])
  return {
    name,
    pid: proc.pid,
    async add(torrentFile) {
      let res: Response
      let body: string
      try {
        res = await fetch(`${control}/api/torrents`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-bittorrent' },
          body: torrentFile,
        })
        body = await res.text()
      } catch (err) {
        const cause = String((err as { cause?: unknown }).cause ?? '')
        throw new Error(`${name}: POST /api/torrents failed: ${errorMessage(err)} ${cause}; stderr: ${proc.stderrTail(200).replace(/\s+/g, ' ')}`)
      }
      if (res.status !== 201) throw new Error(`${name}: POST /api/torrents answered ${res.status} ${body.slice(0, 200)}`)
      const url = (JSON.parse(body) as { streamUrl?: unknown }).streamUrl
      if (typeof url !== 'string') throw new Error(`${name}: no streamUrl in ${body.slice(0, 200)}`)
      return url
    },
    deathNote: () => deathNote(proc),
    stop: () => proc.stop(),
  }
}

function deathNote(proc: JsonLineProcess): string | undefined {
  if (!proc.exited) return undefined
  return `${proc.name} exited (code ${proc.exitCode ?? proc.process.signalCode}): ${proc.stderrTail(300).replace(/\s+/g, ' ')}`
}

async function startReel(ctx: BenchContext, scope: CleanupScope, dataDir: string): Promise<StreamClient> {
  if (ctx.reelUnavailable !== undefined) throw new ClientUnavailableError(`Reel daemon not available: ${ctx.reelUnavailable}`)
  let reel
  try {
    reel = await startReelDaemon(scope, ctx.reelDaemon(dataDir))
  } catch (err) {
    throw new ClientUnavailableError(`Reel daemon not available: ${errorMessage(err)}`)
  }
  const daemon = reel
  return {
    name: 'Reel',
    pid: daemon.process.pid ?? 0,
    async add(torrentFile) {
      const added = await daemon.api.addTorrent(torrentFile)
      return `${daemon.url}/stream/${added.infoHash}/0`
    },
    deathNote: () => deathNote(daemon.output),
    stop: () => daemon.stop(),
  }
}
