/**
 * `reel add` and `reel status`: small HTTP clients of a running daemon. They print a human
 * summary (or the API's JSON with `--json`); an API error prints `code: message` and exits 1.
 */
import { readFile } from 'node:fs/promises'
import { DaemonUnreachableError, UsageError } from '../errors.js'
import type { AddedTorrent, ErrorBody, TorrentView } from '../api/index.js'
import { httpRequest, readText } from '../http-client.js'
import { parseClientArgs } from './args.js'
import type { CliContext } from './daemon.js'

const TIMEOUT_MS = 15_000

interface ApiAnswer { status: number, body: unknown }

interface ApiRequest { method: string, headers?: Record<string, string>, body?: Uint8Array | string }

async function call (url: string, request: ApiRequest = { method: 'GET' }): Promise<ApiAnswer> {
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  let status: number
  let text: string
  try {
    const res = await httpRequest(url, { ...request, signal })
    status = res.status
    text = await readText(res)
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new DaemonUnreachableError(`cannot reach the daemon at ${new URL(url).origin} (${reason}); start it with "reel daemon" or pass --url`, { cause: err })
  }
  let body: unknown = text
  try { body = text === '' ? undefined : JSON.parse(text) } catch {}
  return { status, body }
}

function failed (answer: ApiAnswer, ctx: CliContext): number {
  const error = (answer.body as Partial<ErrorBody> | undefined)?.error
  ctx.stderr.write(error !== undefined ? `${error.code}: ${error.message}\n` : `HTTP ${answer.status}: ${String(answer.body)}\n`)
  return 1
}

export async function runAdd (argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseClientArgs(argv, ctx.env)
  const source = args.positionals[0]
  if (source === undefined || args.positionals.length > 1) throw new UsageError('reel add takes one .torrent file or magnet link')
  const request: ApiRequest = source.startsWith('magnet:')
    ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ magnet: source }) }
    : { method: 'POST', headers: { 'content-type': 'application/x-bittorrent' }, body: await readTorrentFile(source) }
  const answer = await call(`${args.url}/api/torrents`, request)
  if (answer.status !== 201) return failed(answer, ctx)
  const added = answer.body as AddedTorrent
  if (args.json) {
    ctx.stdout.write(JSON.stringify(added) + '\n')
    return 0
  }
  ctx.stdout.write(`added ${added.infoHash} ${added.name === '' ? '(name not known yet)' : added.name}\n`)
  if (added.files.length === 0) ctx.stdout.write('  files will be listed once metadata arrives: reel status ' + added.infoHash + '\n')
  for (const file of added.files) {
    ctx.stdout.write(`  ${file.index}  ${file.path}  ${formatBytes(file.length)}  ${args.url}/stream/${added.infoHash}/${file.index}\n`)
  }
  return 0
}

async function readTorrentFile (path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (err) {
    throw new UsageError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); give a .torrent file or a magnet:? link`, { cause: err })
  }
}

export async function runStatus (argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseClientArgs(argv, ctx.env)
  if (args.positionals.length > 1) throw new UsageError('reel status takes at most one info hash')
  const one = args.positionals[0]
  const answer = await call(one === undefined ? `${args.url}/api/torrents` : `${args.url}/api/torrents/${encodeURIComponent(one)}`)
  if (answer.status !== 200) return failed(answer, ctx)
  if (args.json) {
    ctx.stdout.write(JSON.stringify(answer.body) + '\n')
    return 0
  }
  const torrents = one === undefined ? answer.body as TorrentView[] : [answer.body as TorrentView]
  if (torrents.length === 0) ctx.stdout.write('no torrents; add one with: reel add <file.torrent|magnet>\n')
  for (const t of torrents) {
    ctx.stdout.write(`${t.infoHash}  ${t.state.padEnd(11)} ${(t.progress * 100).toFixed(1).padStart(5)}%  ` +
      `peers ${t.peers}  down ${formatBytes(t.downloadRate)}/s  up ${formatBytes(t.uploadRate)}/s  ${t.name}\n`)
    if (one !== undefined) {
      ctx.stdout.write(`  from peers ${formatBytes(t.bytesFromPeers)}, from web seeds ${formatBytes(t.bytesFromWebSeeds)}, ` +
        `pieces ${t.verifiedPieces}/${t.pieceCount}, hash failures ${t.hashFailures}\n`)
      for (const f of t.files) ctx.stdout.write(`  ${f.index}  ${(f.progress * 100).toFixed(1).padStart(5)}%  ${formatBytes(f.length)}  ${f.path}\n`)
    }
  }
  return 0
}

/** Bytes in binary units with one decimal: `1.5 MiB`. */
export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`
}
