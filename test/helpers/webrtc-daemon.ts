/**
 * A Reel daemon with WebRTC peers (test/helpers/webrtc-daemon-main.ts) as a child process,
 * optionally inside a network namespace (`ip netns exec`). Driven through its HTTP API like
 * `startReelDaemon`; its whole process group is killed on teardown. Outside a namespace its
 * peer listener is pinned to 127.0.0.1; discovery that leaves the machine is off.
 */
import { cp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { EngineInit } from '../../src/engine/index.js'
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js'
import { tempDir, type TorrentFixture } from './fixtures.js'
import { JsonLineProcess, type JsonLine } from './json-line-process.js'
import { repoRoot, tsChildEnv, tsNodeArgs } from './paths.js'
import { reelApi, type ReelApi } from './reel.js'
import type { Teardown } from './scope.js'

export interface WebRtcDaemonOptions {
  /** Engine options beyond the config: `tcp`, `webrtc`. */
  engine: Pick<EngineInit, 'tcp' | 'webrtc'>
  /** Run inside this network namespace; the HTTP API then listens on `httpHost`. */
  netns?: string
  /** HTTP bind address; default 127.0.0.1 (must be reachable from the test, e.g. a veth address). */
  httpHost?: string
  /** Peer listener bind address; default 127.0.0.1 outside a namespace, 0.0.0.0 inside. */
  torrentHost?: string
  name?: string
  echo?: boolean
}

export interface WebRtcDaemon {
  url: string
  torrentPort: number
  dataDir: string
  output: JsonLineProcess
  api: ReelApi
  /** Log lines of peers that completed the BitTorrent handshake (needs debug logs, which this helper sets). */
  connectedPeers (): JsonLine[]
  stop (): Promise<void>
}

export async function startWebRtcDaemon (scope: Teardown, opts: WebRtcDaemonOptions): Promise<WebRtcDaemon> {
  const dataDir = await tempDir(scope, 'reel-webrtc-daemon-')
  const entry = join(repoRoot(), 'test', 'helpers', 'webrtc-daemon-main.ts')
  const node = [process.execPath, ...DAEMON_NODE_FLAGS, ...tsNodeArgs(), entry, 'daemon',
    '--data-dir', dataDir, '--host', opts.httpHost ?? '127.0.0.1', '--port', '0', '--torrent-port', '0',
    '--no-dht', '--no-lsd', '--no-upnp', '--log-level', 'debug']
  const [command, ...args] = opts.netns === undefined ? node : ['ip', 'netns', 'exec', opts.netns, ...node]
  const out = new JsonLineProcess({
    name: opts.name ?? 'reel-webrtc',
    command: command as string,
    args,
    cwd: repoRoot(),
    env: tsChildEnv({
      ...DAEMON_ENV,
      REEL_TORRENT_HOST: opts.torrentHost ?? (opts.netns === undefined ? '127.0.0.1' : '0.0.0.0'),
      REEL_TEST_ENGINE: JSON.stringify(opts.engine)
    }),
    group: true,
    pipeStdin: false,
    echo: opts.echo ?? false
  }).stopOnTeardown(scope)
  const listening = await out.waitFor(l => l['msg'] === 'listening' && typeof l['url'] === 'string', {
    timeoutMs: 40_000,
    what: 'the "listening" log line'
  })
  const url = String(listening['url']).replace(/\/+$/, '')
  return {
    url,
    torrentPort: Number(listening['torrentPort']),
    dataDir,
    output: out,
    api: reelApi(url, out),
    connectedPeers: () => out.lines.filter(l => l['msg'] === 'peer connected'),
    stop: () => out.stop()
  }
}

/** Puts the fixture's data where the daemon keeps that torrent, adds it, and waits until it is verified complete. */
export async function seedFixture (daemon: WebRtcDaemon, fixture: TorrentFixture): Promise<void> {
  await cp(fixture.dir, join(daemon.dataDir, 'data', fixture.infoHash), { recursive: true })
  await daemon.api.addTorrent(fixture.torrentFile)
  await daemon.api.waitComplete(fixture.infoHash, { timeoutMs: 30_000 })
}

/** Files of the fixture that differ from what the daemon wrote to disk (empty when byte-identical). */
export async function differingFiles (daemon: WebRtcDaemon, fixture: TorrentFixture): Promise<string[]> {
  const differing: string[] = []
  const single = fixture.files.length === 1
  for (const [index, file] of fixture.files.entries()) {
    const path = single ? join(daemon.dataDir, 'data', fixture.infoHash, fixture.name) : join(daemon.dataDir, 'data', fixture.infoHash, fixture.name, file.path)
    const got = await readFile(path).catch(() => Buffer.alloc(0))
    if (!got.equals(fixture.expectedBytes(index, 0, file.length))) differing.push(file.path)
  }
  return differing
}
