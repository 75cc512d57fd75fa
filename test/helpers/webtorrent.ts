/**
 * A real webtorrent 2.x peer (scripts/peers/wt_peer.mjs) in a child process, so
 * webtorrent's module graph never loads into the test. Loopback only, no DHT,
 * LSD, UPnP, NAT-PMP, uTP or PEX; trackers from the torrent only. Stopped on
 * teardown, and exits by itself when our stdin pipe closes.
 */
import { JsonLineProcess, type JsonLine } from './json-line-process.js'
import { attachPeer, commonPeerArgs, type CommonPeerOptions, type PeerHandle } from './peer-process.js'
import { peerScript } from './paths.js'
import type { Teardown } from './scope.js'

export interface WebtorrentPeerOptions extends CommonPeerOptions {
  /** Use the torrent's web seeds (url-list). Default off. */
  webSeeds?: boolean
  /** webtorrent's piece strategy; its default is 'sequential'. */
  strategy?: 'sequential' | 'rarest'
  /** Exit once the download is complete (the bench uses this). */
  exitOnFinish?: boolean
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

export type WebtorrentPeer = PeerHandle<WebtorrentProgress>

/** Starts a webtorrent peer; resolves once it listens and knows the info hash. */
export async function startWebtorrentPeer(scope: Teardown, opts: WebtorrentPeerOptions): Promise<WebtorrentPeer> {
  const args = await commonPeerArgs('startWebtorrentPeer', peerScript('wt_peer.mjs'), opts)
  if (opts.webSeeds) args.push('--web-seeds')
  if (opts.strategy) args.push('--strategy', opts.strategy)
  if (opts.exitOnFinish) args.push('--exit-on-finish')
  const out = new JsonLineProcess({
    name: opts.name ?? `wt-${opts.mode}`,
    command: opts.nodePath ?? process.execPath,
    args,
    env: withoutTapHooks(process.env),
    echo: opts.echo ?? false,
  }).stopOnTeardown(scope)
  return await attachPeer(out, 20_000, toProgress)
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
