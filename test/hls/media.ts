/**
 * Shared by the HLS tests: the media fixtures (made once per machine in the OS temp dir, 20 s
 * at 320x180, cached by name across test files), ffprobe helpers to read segments back, and a
 * packager over a local Range server standing in for the daemon's /stream route.
 */
import { spawnSync } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureMediaFixtures, type MediaFixtureKind } from '../../src/cli/demo-media.js'
import { createHlsPackager, type HlsPackager, type HlsPackagerInit, type TitleFile } from '../../src/hls/index.js'
import { silentLogger } from '../../src/log.js'
import { tempDir } from '../helpers/fixtures.js'
import type { Teardown } from '../helpers/scope.js'
import { startRangeServer, type RangeServer, type RangeServerOptions } from './range-server.js'

export const FIXTURE_DIR = join(tmpdir(), 'reel-hls-fixtures')
export const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0

export type Fixtures = Record<MediaFixtureKind, string>

/** The file's duration (seconds) as ffprobe reads it from the container. */
export function probedDuration (path: string): number {
  const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' })
  return Number(out.stdout.trim())
}

export async function mediaFixtures (): Promise<Fixtures> {
  const made = await ensureMediaFixtures({ dir: FIXTURE_DIR, log: silentLogger() })
  return Object.fromEntries(Object.entries(made).map(([kind, clip]) => [kind, clip.path])) as Fixtures
}

/** The MPEG-TS muxer's default initial delay: segment PTS are source PTS plus this. */
export const TS_DELAY_SECONDS = 1.4

/** First video and audio PTS of a segment, seconds, without the muxer delay. */
export function segmentStarts (path: string): { video: number, audio: number | undefined } {
  const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,start_time', '-of', 'json', path], { encoding: 'utf8' })
  const streams = (JSON.parse(out.stdout) as { streams: Array<{ codec_type: string, start_time: string }> }).streams
  const of = (type: string): number | undefined => {
    const s = streams.find(x => x.codec_type === type)
    return s === undefined ? undefined : Number(s.start_time) - TS_DELAY_SECONDS
  }
  return { video: of('video') ?? NaN, audio: of('audio') }
}

/** Codec names in a segment, video first. */
export function segmentCodecs (path: string): string[] {
  const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path], { encoding: 'utf8' })
  // ffprobe lists each stream twice (under its program, then alone).
  return [...new Set(out.stdout.trim().split('\n').map(l => l.trim()).filter(l => l !== ''))]
}

/** Parses a VOD playlist into its segment URIs and durations. */
export function parsePlaylist (text: string): Array<{ uri: string, duration: number }> {
  const lines = text.split('\n')
  const out: Array<{ uri: string, duration: number }> = []
  lines.forEach((line, i) => {
    if (line.startsWith('#EXTINF:')) out.push({ uri: lines[i + 1] ?? '', duration: Number(line.slice(8).split(',')[0]) })
  })
  return out
}

export interface PackagerRig {
  packager: HlsPackager
  server: RangeServer
  cacheDir: string
  /** A TitleFile for a fixture served at `/stream/<hash>/<index>`. */
  title: (kind: MediaFixtureKind) => Promise<TitleFile>
}

const HASH = (kind: string): string => Buffer.from(kind.padEnd(20, '.')).subarray(0, 20).toString('hex')

/** A started packager whose stream URLs point at a Range server over the fixtures; stopped on teardown. */
export async function startPackagerRig (
  t: Teardown, fixtures: Fixtures, overrides: Partial<HlsPackagerInit> = {}, serverOptions: RangeServerOptions = {}
): Promise<PackagerRig> {
  const files: Record<string, string> = {}
  for (const [kind, path] of Object.entries(fixtures)) files[`/stream/${HASH(kind)}/0`] = path
  const server = await startRangeServer(files, serverOptions)
  t.teardown(server.close)
  const cacheDir = await tempDir(t, 'reel-hls-cache-')
  const packager = createHlsPackager({
    cacheDir,
    streamUrl: (infoHash, fileIndex) => `${server.url}/stream/${infoHash}/${fileIndex}`,
    log: silentLogger(),
    ...overrides
  })
  await packager.start()
  t.teardown(packager.stop)
  return {
    packager,
    server,
    cacheDir,
    title: async kind => {
      const path = fixtures[kind]
      return { infoHash: HASH(kind), fileIndex: 0, path: path.slice(path.lastIndexOf('/') + 1), length: (await stat(path)).size }
    }
  }
}

/** PIDs of live ffmpeg/ffprobe processes whose parent is this process. */
export function childMediaTools (): number[] {
  const out = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  return out.stdout.split('\n').map(l => l.trim().split(/\s+/)).filter(p => p[1] === 'ffmpeg' || p[1] === 'ffprobe').map(p => Number(p[0]))
}
