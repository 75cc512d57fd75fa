/**
 * The Reel daemon as a child process, driven only through its stable CLI and
 * HTTP contracts (shared/ARCHITECTURE.md). Under tap it runs `src/cli/main.ts`
 * with tap's TypeScript hook (no build needed); the bench runs the compiled
 * `dist/src/cli/main.js`. The daemon is started in its own process group and
 * the whole group (ffmpeg included) is killed on teardown.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { tempDir } from './fixtures.js'
import { JsonLineProcess, type JsonLine } from './json-line-process.js'
import { repoRoot, tsChildEnv, tsNodeArgs } from './paths.js'
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js'
import type { Teardown } from './scope.js'

export type ReelEntry = 'source' | 'dist'

/** The daemon's entry file for this way of running it. */
export function reelEntryPath(entry: ReelEntry = 'source'): string {
  return entry === 'source' ? join(repoRoot(), 'src', 'cli', 'main.ts') : join(repoRoot(), 'dist', 'src', 'cli', 'main.js')
}

/** Why the daemon cannot be started this way, or undefined when it can. */
export function reelUnavailableReason(entry: ReelEntry = 'source'): string | undefined {
  const path = reelEntryPath(entry)
  return existsSync(path) ? undefined : `${path} does not exist`
}

export interface ReelDaemonOptions {
  /** 'source' (default): src/cli/main.ts through tap's TS hook; 'dist': the build. */
  entry?: ReelEntry
  /** Run this file instead of the entry (a stand-in daemon in the helpers' own tests); `.ts` gets the TS hook. */
  entryPath?: string
  /** Default: a fresh temporary folder removed on teardown. */
  dataDir?: string
  /** HTTP port; default 0 (any). */
  port?: number
  /** Peer port; default 0 (any). */
  torrentPort?: number
  /** More CLI flags after the standard ones. */
  extraArgs?: string[]
  /** Environment on top of this process's. */
  env?: NodeJS.ProcessEnv
  /** Default 30 s (transpiling src on the fly takes a few). */
  startTimeoutMs?: number
  /** Copy the daemon's output to stderr. */
  echo?: boolean
}

export interface AddedTorrent {
  infoHash: string
  name: string
  files: Array<{ index: number, path: string, length: number }>
}

/** GET /api/torrents/:infoHash; fields beyond `progress` vary as the API grows. */
export interface TorrentStatus {
  infoHash: string
  progress: number
  [field: string]: unknown
}

export class ReelHttpError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`)
    this.name = 'ReelHttpError'
  }
}

export interface WaitCompleteOptions {
  timeoutMs?: number
  intervalMs?: number
  signal?: AbortSignal
}

export interface ReelApi {
  addTorrent(torrentFile: Uint8Array): Promise<AddedTorrent>
  addMagnet(uri: string): Promise<AddedTorrent>
  list(): Promise<unknown>
  get(infoHash: string): Promise<TorrentStatus>
  remove(infoHash: string, opts?: { keepData?: boolean }): Promise<void>
  /** Polls `get` until progress reaches 1; rejects on timeout or when the daemon exits. */
  waitComplete(infoHash: string, opts?: WaitCompleteOptions): Promise<TorrentStatus>
  /** `fetch` relative to the daemon's URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>
}

export interface ReelDaemon {
  /** e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  url: string
  /** The peer listen port, when the listening line reports it. */
  torrentPort: number | undefined
  dataDir: string
  process: ChildProcess
  /** Every JSON log line (bounded), for assertions on logs. */
  output: JsonLineProcess
  /** The listening log line as printed. */
  listening: JsonLine
  api: ReelApi
  kill(signal?: NodeJS.Signals): void
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process group is gone. */
  stop(): Promise<void>
  waitExit(): Promise<number | null>
}

/** Starts `reel daemon` with discovery that leaves the machine off, and waits for its "listening" line. */
export async function startReelDaemon(scope: Teardown, opts: ReelDaemonOptions = {}): Promise<ReelDaemon> {
  const entry = opts.entry ?? 'source'
  const entryPath = opts.entryPath ?? reelEntryPath(entry)
  if (!existsSync(entryPath)) throw new Error(`Reel daemon not available: ${entryPath} does not exist`)
  const isTs = entryPath.endsWith('.ts')
  const dataDir = opts.dataDir ?? await tempDir(scope, 'reel-daemon-')
  const cli = ['daemon', '--data-dir', dataDir, '--port', String(opts.port ?? 0),
    '--torrent-port', String(opts.torrentPort ?? 0), '--no-dht', '--no-lsd', '--no-upnp', '--stun-servers', '', ...(opts.extraArgs ?? [])]
  const nodeArgs = [...DAEMON_NODE_FLAGS, ...(isTs ? tsNodeArgs() : [])]
  const env = isTs ? tsChildEnv({ ...DAEMON_ENV, ...opts.env }) : { ...process.env, ...DAEMON_ENV, ...opts.env }
  const out = new JsonLineProcess({
    name: 'reel',
    command: process.execPath,
    args: [...nodeArgs, entryPath, ...cli],
    cwd: repoRoot(),
    env,
    group: true,
    pipeStdin: false,
    echo: opts.echo ?? false,
  }).stopOnTeardown(scope)
  const listening = await out.waitFor(l => l['msg'] === 'listening' && listenUrl(l) !== undefined, {
    timeoutMs: opts.startTimeoutMs ?? 30_000,
    what: 'the "listening" log line with a url',
  })
  const url = (listenUrl(listening) ?? '').replace(/\/+$/, '')
  const tp = listening['torrentPort']
  return {
    url,
    torrentPort: typeof tp === 'number' ? tp : undefined,
    dataDir,
    process: out.process,
    output: out,
    listening,
    api: reelApi(url, out),
    kill: (signal: NodeJS.Signals = 'SIGTERM') => out.kill(signal),
    stop: () => out.stop(),
    waitExit: () => out.waitExit(),
  }
}

function listenUrl(line: JsonLine): string | undefined {
  for (const k of ['url', 'address']) {
    const v = line[k]
    if (typeof v === 'string' && /^https?:\/\//.test(v)) return v
  }
  return undefined
}

/** An HTTP client for a daemon at `url`; `daemon`, when given, makes waits fail fast if it exits. */
export function reelApi(url: string, daemon?: JsonLineProcess): ReelApi {
  const call = (path: string, init?: RequestInit): Promise<Response> => fetch(url + path, init)
  const json = async <T>(res: Response, what: string, ok: number[]): Promise<T> => {
    const body = await res.text()
    if (!ok.includes(res.status)) throw new ReelHttpError(res.status, body, what)
    return JSON.parse(body) as T
  }
  const api: ReelApi = {
    fetch: call,
    async addTorrent(torrentFile) {
      const res = await call('/api/torrents', {
        method: 'POST',
        headers: { 'content-type': 'application/x-bittorrent' },
        body: torrentFile,
      })
      return json<AddedTorrent>(res, 'POST /api/torrents (torrent)', [200, 201])
    },
    async addMagnet(uri) {
      const res = await call('/api/torrents', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ magnet: uri }),
      })
      return json<AddedTorrent>(res, 'POST /api/torrents (magnet)', [200, 201])
    },
    async list() {
      return json<unknown>(await call('/api/torrents'), 'GET /api/torrents', [200])
    },
    async get(infoHash) {
      return json<TorrentStatus>(await call(`/api/torrents/${infoHash}`), `GET /api/torrents/${infoHash}`, [200])
    },
    async remove(infoHash, o = {}) {
      const res = await call(`/api/torrents/${infoHash}${o.keepData ? '?keepData=1' : ''}`, { method: 'DELETE' })
      const body = await res.text()
      if (res.status >= 300) throw new ReelHttpError(res.status, body, `DELETE /api/torrents/${infoHash}`)
    },
    async waitComplete(infoHash, o = {}) {
      const timeoutMs = o.timeoutMs ?? 60_000
      const deadline = Date.now() + timeoutMs
      let last: TorrentStatus | undefined
      for (;;) {
        o.signal?.throwIfAborted()
        if (daemon?.exited) throw new Error(`Reel exited while waiting for ${infoHash}: ${daemon.stderrTail(800)}`)
        last = await api.get(infoHash)
        if (typeof last.progress === 'number' && last.progress >= 1) return last
        if (Date.now() >= deadline) {
          throw new Error(`${infoHash} not complete after ${timeoutMs} ms; last status ${JSON.stringify(last).slice(0, 500)}`)
        }
        await new Promise(resolve => setTimeout(resolve, o.intervalMs ?? 100))
      }
    },
  }
  return api
}
