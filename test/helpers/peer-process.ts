/**
 * What the libtorrent and webtorrent peer helpers share: the command-line flags both peer
 * scripts understand, and the handle over a started peer's JSON-line output.
 */
import { mkdir } from 'node:fs/promises'
import type { ChildProcess } from 'node:child_process'
import type { JsonLine, JsonLineProcess, WaitOptions } from './json-line-process.js'

/** What every test peer (libtorrent, webtorrent) is told. */
export interface CommonPeerOptions {
  /** A .torrent file path, or a magnet URI (leech only). */
  torrentPath?: string
  magnet?: string
  /** Save directory: the data a seeder serves (verified at start), or where a leecher writes. */
  save: string
  mode: 'seed' | 'leech'
  /** 0 (default) picks a free port. */
  listenPort?: number
  /** bytes/s; 0 or absent = unlimited. Applies to loopback peers too. */
  uploadLimit?: number
  downloadLimit?: number
  /** `host:port` peers to connect to directly, besides the torrent's trackers. */
  peers?: string[]
  /** Seconds between progress lines; default 0.5. */
  intervalSec?: number
  /** Copy the peer's output to stderr. */
  echo?: boolean
  name?: string
}

/** Checks the options, creates the save dir and returns the flags every peer script takes. */
export async function commonPeerArgs (who: string, script: string, opts: CommonPeerOptions): Promise<string[]> {
  if ((opts.torrentPath === undefined) === (opts.magnet === undefined)) {
    throw new Error(`${who} needs exactly one of torrentPath and magnet`)
  }
  await mkdir(opts.save, { recursive: true })
  const args = [script, '--save', opts.save, '--mode', opts.mode, '--listen-port', String(opts.listenPort ?? 0)]
  if (opts.torrentPath !== undefined) args.push('--torrent', opts.torrentPath)
  if (opts.magnet !== undefined) args.push('--magnet', opts.magnet)
  if (opts.uploadLimit) args.push('--upload-limit', String(opts.uploadLimit))
  if (opts.downloadLimit) args.push('--download-limit', String(opts.downloadLimit))
  for (const p of opts.peers ?? []) args.push('--peer', p)
  if (opts.intervalSec !== undefined) args.push('--interval', String(opts.intervalSec))
  return args
}

export interface PeerHandle<Progress> {
  port: number
  infoHash: string
  process: ChildProcess
  /** The line-protocol stream, for waiting on other events (`hash_failed`, `peer`, ...). */
  output: JsonLineProcess
  /** Resolves when the torrent has all its data (for a seeder: after its check). */
  waitFinished(opts?: WaitOptions): Promise<void>
  /** The latest progress line, or zeros before the first one. */
  progress(): Progress
  /** Asks the peer to connect to `host:port` now (a `connect` line on its stdin). */
  connect(hostPort: string): void
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>
}

/** Waits for the peer to listen and add its torrent, then wraps its output. */
export async function attachPeer<Progress> (out: JsonLineProcess, startTimeoutMs: number, toProgress: (line: JsonLine | undefined) => Progress): Promise<PeerHandle<Progress>> {
  const listening = await out.waitForEvent('listening', { timeoutMs: startTimeoutMs })
  const added = await out.waitForEvent('added', { timeoutMs: startTimeoutMs })
  return {
    port: Number(listening['port']),
    infoHash: String(added['infoHash']),
    process: out.process,
    output: out,
    async waitFinished (w: WaitOptions = {}) {
      await out.waitForEvent('finished', { timeoutMs: 60_000, ...w })
    },
    progress: () => toProgress(out.last('progress')),
    connect (hostPort: string) {
      out.process.stdin?.write(`connect ${hostPort}\n`)
    },
    stop: () => out.stop()
  }
}
