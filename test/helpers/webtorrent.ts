/**
 * A real webtorrent 2.x peer (scripts/peers/wt_peer.mjs) in a child process, so
 * webtorrent's module graph never loads into the test. Loopback only, no DHT,
 * LSD, UPnP, NAT-PMP, uTP or PEX; trackers from the torrent only. Stopped on
 * teardown, and exits by itself when our stdin pipe closes.
 */
import { mkdir } from 'node:fs/promises'
import type { ChildProcess } from 'node:child_process'
import { JsonLineProcess, type JsonLine, type WaitOptions } from './json-line-process.js'
import { peerScript } from './paths.js'
import type { Teardown } from './scope.js'

export interface WebtorrentPeerOptions {
  torrentPath?: string
  magnet?: string
  /** Data to seed (verified at start), or where a leecher writes. */
  save: string
  mode: 'seed' | 'leech'
  /** 0 (default) picks a free port. */
  listenPort?: number
  /** bytes/s; 0 or absent = unlimited. */
  uploadLimit?: number
  downloadLimit?: number
  peers?: string[]
  /** Use the torrent's web seeds (url-list). Default off. */
  webSeeds?: boolean
  /** webtorrent's piece strategy; its default is 'sequential'. */
  strategy?: 'sequential' | 'rarest'
  intervalSec?: number
  /** Exit once the download is complete (the bench uses this). */
  exitOnFinish?: boolean
  echo?: boolean
  name?: string
  /** Node binary; default the current one. */
  nodePath?: string
}

export interface WebtorrentProgress {
  progress: number
  peers: number
  downloadRate: number
  uploadRate: number
  downloaded: number
  uploaded: number
  hashFails: number
}

export interface WebtorrentPeer {
  port: number
  infoHash: string
  process: ChildProcess
  output: JsonLineProcess
  /** Resolves when all data is present (a seeder: after verifying its files). */
  waitFinished(opts?: WaitOptions): Promise<void>
  progress(): WebtorrentProgress
  connect(hostPort: string): void
  stop(): Promise<void>
}

/** Starts a webtorrent peer; resolves once it listens and knows the info hash. */
export async function startWebtorrentPeer(scope: Teardown, opts: WebtorrentPeerOptions): Promise<WebtorrentPeer> {
  if ((opts.torrentPath === undefined) === (opts.magnet === undefined)) {
    throw new Error('startWebtorrentPeer needs exactly one of torrentPath and magnet')
  }
  await mkdir(opts.save, { recursive: true })
  const args = [peerScript('wt_peer.mjs'), '--save', opts.save, '--mode', opts.mode,
    '--listen-port', String(opts.listenPort ?? 0)]
  if (opts.torrentPath !== undefined) args.push('--torrent', opts.torrentPath)
  if (opts.magnet !== undefined) args.push('--magnet', opts.magnet)
  if (opts.uploadLimit) args.push('--upload-limit', String(opts.uploadLimit))
  if (opts.downloadLimit) args.push('--download-limit', String(opts.downloadLimit))
  for (const p of opts.peers ?? []) args.push('--peer', p)
  if (opts.webSeeds) args.push('--web-seeds')
  if (opts.strategy) args.push('--strategy', opts.strategy)
  if (opts.intervalSec !== undefined) args.push('--interval', String(opts.intervalSec))
  if (opts.exitOnFinish) args.push('--exit-on-finish')

  const out = new JsonLineProcess({
    name: opts.name ?? `wt-${opts.mode}`,
    command: opts.nodePath ?? process.execPath,
    args,
    env: withoutTapHooks(process.env),
    echo: opts.echo ?? false,
  }).stopOnTeardown(scope)
  const listening = await out.waitForEvent('listening', { timeoutMs: 20_000 })
  const added = await out.waitForEvent('added', { timeoutMs: 20_000 })
  return {
    port: Number(listening['port']),
    infoHash: String(added['infoHash']),
    process: out.process,
    output: out,
    async waitFinished(w: WaitOptions = {}) {
      await out.waitForEvent('finished', { timeoutMs: 60_000, ...w })
    },
    progress() {
      return toProgress(out.last('progress'))
    },
    connect(hostPort: string) {
      out.process.stdin?.write(`connect ${hostPort}\n`)
    },
    stop: () => out.stop(),
  }
}

/**
 * The peer is plain JavaScript: drop the coverage/process-info hook tap puts in
 * NODE_OPTIONS so it starts fast and measures like a normal process.
 */
export function withoutTapHooks(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const opts = (env['NODE_OPTIONS'] ?? '').split(/\s+/).filter(o => o !== '' && !/@tapjs[/\\]/.test(o))
  const copy = { ...env }
  if (opts.length > 0) copy['NODE_OPTIONS'] = opts.join(' ')
  else delete copy['NODE_OPTIONS']
  return copy
}

function toProgress(line: JsonLine | undefined): WebtorrentProgress {
  const n = (k: string): number => {
    const v = line?.[k]
    return typeof v === 'number' ? v : 0
  }
  return {
    progress: n('progress'),
    peers: n('peers'),
    downloadRate: n('downloadRate'),
    uploadRate: n('uploadRate'),
    downloaded: n('downloaded'),
    uploaded: n('uploaded'),
    hashFails: n('hashFails'),
  }
}
