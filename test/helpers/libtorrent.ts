/**
 * A real libtorrent peer (scripts/peers/lt_peer.py, Debian's python3-libtorrent)
 * as a child process: a seeder, a leecher, or a seeder of corrupt data. It
 * listens on 127.0.0.1 only, with DHT, LSD, UPnP and NAT-PMP off, and is
 * stopped on teardown (it also exits by itself when our stdin pipe closes).
 */
import { mkdir } from 'node:fs/promises'
import type { ChildProcess } from 'node:child_process'
import { JsonLineProcess, type JsonLine, type WaitOptions } from './json-line-process.js'
import { PYTHON, peerScript } from './paths.js'
import type { Teardown } from './scope.js'

export interface LibtorrentPeerOptions {
  /** A .torrent file path, or a magnet URI (leech only). */
  torrentPath?: string
  magnet?: string
  /** Save directory: the data a seeder serves, or where a leecher writes. */
  save: string
  mode: 'seed' | 'leech'
  /** 0 (default) picks a free port. */
  listenPort?: number
  /** bytes/s; 0 or absent = unlimited. Applies to loopback peers too. */
  uploadLimit?: number
  downloadLimit?: number
  /** `host:port` peers to connect to directly, besides the torrent's trackers. */
  peers?: string[]
  /** Seed without checking the data first (libtorrent verifies each piece when first requested). */
  seedMode?: boolean
  /** Serve data that fails the piece hashes (seed only). */
  corrupt?: boolean
  /** Also use uTP (default TCP only). */
  utp?: boolean
  /** Try MSE encryption on outgoing connections (default plaintext; incoming accepts both). */
  encrypt?: boolean
  sequential?: boolean
  /** Seconds between progress lines; default 0.5. */
  intervalSec?: number
  /** Copy the peer's output to stderr. */
  echo?: boolean
  name?: string
}

export interface LibtorrentProgress {
  progress: number
  state: string
  peers: number
  seeds: number
  downloadRate: number
  uploadRate: number
  downloaded: number
  uploaded: number
  failedBytes: number
  hashFails: number
}

export interface LibtorrentPeer {
  port: number
  infoHash: string
  process: ChildProcess
  /** The line-protocol stream, for waiting on other events (`hash_failed`, `peer`, ...). */
  output: JsonLineProcess
  /** Resolves when the torrent has all its data (for a seeder: after its check). */
  waitFinished(opts?: WaitOptions): Promise<void>
  /** The latest progress line, or zeros before the first one. */
  progress(): LibtorrentProgress
  /** Asks the peer to connect to `host:port` now (a `connect` line on its stdin). */
  connect(hostPort: string): void
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>
}

/** Starts a libtorrent peer and resolves once it listens and has added the torrent. */
export async function startLibtorrentPeer(scope: Teardown, opts: LibtorrentPeerOptions): Promise<LibtorrentPeer> {
  if ((opts.torrentPath === undefined) === (opts.magnet === undefined)) {
    throw new Error('startLibtorrentPeer needs exactly one of torrentPath and magnet')
  }
  await mkdir(opts.save, { recursive: true })
  const args = [peerScript('lt_peer.py'), '--save', opts.save, '--mode', opts.mode,
    '--listen-port', String(opts.listenPort ?? 0)]
  if (opts.torrentPath !== undefined) args.push('--torrent', opts.torrentPath)
  if (opts.magnet !== undefined) args.push('--magnet', opts.magnet)
  if (opts.uploadLimit) args.push('--upload-limit', String(opts.uploadLimit))
  if (opts.downloadLimit) args.push('--download-limit', String(opts.downloadLimit))
  for (const p of opts.peers ?? []) args.push('--peer', p)
  if (opts.seedMode) args.push('--seed-mode')
  if (opts.corrupt) args.push('--corrupt')
  if (opts.utp) args.push('--utp')
  if (opts.encrypt) args.push('--encrypt')
  if (opts.sequential) args.push('--sequential')
  if (opts.intervalSec !== undefined) args.push('--interval', String(opts.intervalSec))

  const out = new JsonLineProcess({
    name: opts.name ?? `lt-${opts.mode}`,
    command: PYTHON,
    args,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    echo: opts.echo ?? false,
  }).stopOnTeardown(scope)
  const listening = await out.waitForEvent('listening', { timeoutMs: 15_000 })
  const added = await out.waitForEvent('added', { timeoutMs: 15_000 })
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

function toProgress(line: JsonLine | undefined): LibtorrentProgress {
  const n = (k: string): number => {
    const v = line?.[k]
    return typeof v === 'number' ? v : 0
  }
  return {
    progress: n('progress'),
    state: typeof line?.['state'] === 'string' ? line['state'] : 'unknown',
    peers: n('peers'),
    seeds: n('seeds'),
    downloadRate: n('downloadRate'),
    uploadRate: n('uploadRate'),
    downloaded: n('downloaded'),
    uploaded: n('uploaded'),
    failedBytes: n('failedBytes'),
    hashFails: n('hashFails'),
  }
}
