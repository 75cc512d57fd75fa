/**
 * A real libtorrent peer (scripts/peers/lt_peer.py, Debian's python3-libtorrent)
 * as a child process: a seeder, a leecher, or a seeder of corrupt data. It
 * listens on 127.0.0.1 only, with DHT, LSD, UPnP and NAT-PMP off, and is
 * stopped on teardown (it also exits by itself when our stdin pipe closes).
 */
import { JsonLineProcess, type JsonLine } from './json-line-process.js'
import { attachPeer, commonPeerArgs, type CommonPeerOptions, type PeerHandle } from './peer-process.js'
import { PYTHON, peerScript } from './paths.js'
import type { Teardown } from './scope.js'

export interface LibtorrentPeerOptions extends CommonPeerOptions {
  /** Seed without checking the data first (libtorrent verifies each piece when first requested). */
  seedMode?: boolean
  /** Serve data that fails the piece hashes (seed only). */
  corrupt?: boolean
  /** Also use uTP (default TCP only). */
  utp?: boolean
  /** Try MSE encryption on outgoing connections (default plaintext; incoming accepts both). */
  encrypt?: boolean
  sequential?: boolean
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

export type LibtorrentPeer = PeerHandle<LibtorrentProgress>

/** Starts a libtorrent peer and resolves once it listens and has added the torrent. */
export async function startLibtorrentPeer(scope: Teardown, opts: LibtorrentPeerOptions): Promise<LibtorrentPeer> {
  const args = await commonPeerArgs('startLibtorrentPeer', peerScript('lt_peer.py'), opts)
  if (opts.seedMode) args.push('--seed-mode')
  if (opts.corrupt) args.push('--corrupt')
  if (opts.utp) args.push('--utp')
  if (opts.encrypt) args.push('--encrypt')
  if (opts.sequential) args.push('--sequential')
  const out = new JsonLineProcess({
    name: opts.name ?? `lt-${opts.mode}`,
    command: PYTHON,
    args,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    echo: opts.echo ?? false,
  }).stopOnTeardown(scope)
  return await attachPeer(out, 15_000, toProgress)
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
