/**
 * A webtorrent 2.8.5 peer in Node that reaches peers over WebRTC: scripts/peers/wt_peer.mjs
 * (same line protocol as `startWebtorrentPeer`) with webrtc-webtorrent-preload.mjs setting
 * the RTCConfiguration of its peers. webtorrent 2 in Node gets WebRTC from simple-peer, which
 * imports webrtc-polyfill, which runs on node-datachannel; its WebSocket trackers are used
 * whenever a torrent lists one. Its TCP listener stays on 127.0.0.1.
 */
import { join } from 'node:path'
import { JsonLineProcess } from './json-line-process.js'
import { attachPeer, commonPeerArgs } from './peer-process.js'
import { peerScript, repoRoot } from './paths.js'
import type { Teardown } from './scope.js'
import { withoutTapHooks, type WebtorrentPeer, type WebtorrentPeerOptions, type WebtorrentProgress } from './webtorrent.js'

export interface WebRtcWebtorrentOptions extends WebtorrentPeerOptions {
  /** RTCConfiguration for every WebRTC peer; default no STUN server, ICE on 127.0.0.1. */
  rtcConfig?: Record<string, unknown>
}

export async function startWebRtcWebtorrentPeer (scope: Teardown, opts: WebRtcWebtorrentOptions): Promise<WebtorrentPeer> {
  const args = await commonPeerArgs('startWebRtcWebtorrentPeer', peerScript('wt_peer.mjs'), opts)
  if (opts.strategy !== undefined) args.push('--strategy', opts.strategy)
  const preload = join(repoRoot(), 'test', 'helpers', 'webrtc-webtorrent-preload.mjs')
  const out = new JsonLineProcess({
    name: opts.name ?? `wt-rtc-${opts.mode}`,
    command: process.execPath,
    args: [`--import=${preload}`, ...args],
    env: {
      ...withoutTapHooks(process.env),
      REEL_TEST_RTC_CONFIG: JSON.stringify(opts.rtcConfig ?? { iceServers: [], bindAddress: '127.0.0.1' })
    },
    echo: opts.echo ?? false
  }).stopOnTeardown(scope)
  return await attachPeer(out, 20_000, line => {
    const n = (k: string): number => typeof line?.[k] === 'number' ? line[k] : 0
    const progress: WebtorrentProgress = {
      progress: n('progress'), peers: n('peers'), downloadRate: n('downloadRate'), uploadRate: n('uploadRate'),
      downloaded: n('downloaded'), uploaded: n('uploaded'), hashFails: n('hashFails')
    }
    return progress
  })
}
