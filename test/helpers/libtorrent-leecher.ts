/**
 * A libtorrent leecher that reports the payload each named peer sent it
 * (test/helpers/lt-leecher.py): for measuring what one box uploads even when
 * other sources exist. It knows only the peers it is given (PEX, DHT, LSD and
 * trackers off), listens on 127.0.0.1 and is stopped on teardown.
 */
import { JsonLineProcess, type JsonLine } from './json-line-process.js'
import { attachPeer, type PeerHandle } from './peer-process.js'
import { PYTHON, repoRoot } from './paths.js'
import type { Teardown } from './scope.js'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'

export interface CountingLeecherOptions {
  torrentPath: string
  save: string
  /** `host:port` peers to download from. */
  peers: string[]
  /** Seconds between progress lines; default 0.2. */
  intervalSec?: number
  /** bytes/s; 0 or absent = unlimited. */
  downloadLimit?: number
  name?: string
  echo?: boolean
}

export interface CountingProgress {
  progress: number
  downloaded: number
  downloadRate: number
  peers: number
  /** Payload bytes from each named peer, `host:port` → bytes, over all connections to it. */
  fromPeers: Record<string, number>
}

export type CountingLeecher = PeerHandle<CountingProgress>

export async function startCountingLeecher (scope: Teardown, opts: CountingLeecherOptions): Promise<CountingLeecher> {
  await mkdir(opts.save, { recursive: true })
  const args = [join(repoRoot(), 'test', 'helpers', 'lt-leecher.py'), '--torrent', opts.torrentPath, '--save', opts.save,
    '--interval', String(opts.intervalSec ?? 0.2)]
  for (const peer of opts.peers) args.push('--peer', peer)
  if (opts.downloadLimit) args.push('--download-limit', String(opts.downloadLimit))
  const out = new JsonLineProcess({
    name: opts.name ?? 'lt-counting-leecher',
    command: PYTHON,
    args,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    echo: opts.echo ?? false
  }).stopOnTeardown(scope)
  return await attachPeer(out, 15_000, toProgress)
}

function toProgress (line: JsonLine | undefined): CountingProgress {
  const n = (v: unknown): number => typeof v === 'number' ? v : 0
  const from = line?.['fromPeers']
  const fromPeers: Record<string, number> = {}
  if (typeof from === 'object' && from !== null) for (const [k, v] of Object.entries(from)) fromPeers[k] = n(v)
  return { progress: n(line?.['progress']), downloaded: n(line?.['downloaded']), downloadRate: n(line?.['downloadRate']), peers: n(line?.['peers']), fromPeers }
}
