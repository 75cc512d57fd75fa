/**
 * A stand-in for the daemon while the HLS backend is built in parallel: the real title and UI
 * routes over a FakeEngine, and `/hls/:infoHash/:fileIndex/…` answering the backend's contract
 * (VOD playlist, info, poster) from a clip ffmpeg cuts into HLS once per test run. Every good
 * title plays the same clip; one title's info answers 422 like a corrupt file would.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { registerErrorHandling } from '../../src/api/errors.js'
import { titleRoutes } from '../../src/api/titles.js'
import { torrentRoutes } from '../../src/api/torrents.js'
import { uiRoutes } from '../../src/api/ui.js'
import { silentLogger } from '../../src/log.js'
import { createCatalog, createWatchHistory, PlayerPresence } from '../../src/rental/index.js'
import { FakeEngine, FakeTorrent } from '../api/fixtures/fake-engine.js'
import { tempDir } from '../helpers/fixtures.js'
import { repoRoot } from '../helpers/paths.js'
import type { Teardown } from '../helpers/scope.js'

export const CLIP_SECONDS = 90
/** How long each segment of the starved title takes to arrive. */
export const STARVED_SEGMENT_DELAY_MS = 4000

export interface StandInDaemon {
  url: string
  app: FastifyInstance
  /** Title ids by role, in the order the home screen shows them. */
  titles: { first: string, second: string, corrupt: string, notVideo: string, starved: string }
}

async function ffmpeg (args: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', chunk => { stderr += String(chunk) })
    child.on('error', reject)
    child.on('exit', code => { code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${String(code)}: ${stderr.slice(-500)}`)) })
  })
}

/** A 640×360 H.264 + AAC clip with a keyframe every 2 s, cut into 4 s segments of a VOD playlist. */
async function makeHls (dir: string): Promise<void> {
  const clip = join(dir, 'clip.mp4')
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', String(CLIP_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-threads', '2', clip
  ])
  await ffmpeg(['-i', clip, '-c', 'copy', '-f', 'hls', '-hls_time', '4', '-hls_playlist_type', 'vod',
    '-hls_segment_filename', join(dir, 'seg%03d.ts'), join(dir, 'index.m3u8')])
  await ffmpeg(['-ss', '3', '-i', clip, '-frames:v', '1', join(dir, 'poster.jpg')])
}

export async function startStandInDaemon (scope: Teardown): Promise<StandInDaemon> {
  const media = await tempDir(scope, 'reel-ui-hls-')
  await makeHls(media)
  const engine = new FakeEngine()
  const put = (name: string, files: Array<{ path: string, length: number }>): FakeTorrent => {
    const torrent = new FakeTorrent({ name, files: files.map(f => ({ path: f.path, content: Buffer.alloc(f.length) })) })
    torrent.statsOverride = { files: torrent.files().map(f => ({ ...f, verifiedBytes: f.length, progress: 1, wanted: true })) }
    return engine.put(torrent)
  }
  const first = put('Stand-in.Film.One.2024.1080p.mp4', [{ path: 'Stand-in.Film.One.2024.1080p.mp4', length: 4000 }])
  const second = put('Second Film (2025)', [{ path: 'Second Film (2025)/notes.txt', length: 10 }, { path: 'Second Film (2025)/second.mkv', length: 5000 }])
  const corrupt = put('Broken.Clip.mp4', [{ path: 'Broken.Clip.mp4', length: 3000 }])
  const notVideo = put('Manuals', [{ path: 'Manuals/manual.pdf', length: 2000 }])
  // A film still downloading from nobody: its segments take a while, and the torrent has no peers.
  const starved = put('Waiting.For.Peers.mp4', [{ path: 'Waiting.For.Peers.mp4', length: 6000 }])
  starved.statsOverride = {
    state: 'downloading', progress: 0.2, peers: 0, seeds: 0, downloadRate: 0,
    files: starved.files().map(f => ({ ...f, verifiedBytes: 1200, progress: 0.2, wanted: true }))
  }

  const history = createWatchHistory({ dataDir: await tempDir(scope, 'reel-ui-data-'), log: silentLogger() })
  await history.start()
  const app = Fastify()
  registerErrorHandling(app, silentLogger())
  await app.register(torrentRoutes({ engine }))
  await app.register(titleRoutes({ catalog: createCatalog({ engine, history }), history, presence: new PlayerPresence() }))
  await app.register(uiRoutes({ log: silentLogger(), root: join(repoRoot(), 'dist', 'player-ui') }))

  const info = { durationSeconds: CLIP_SECONDS, video: { codec: 'h264', width: 640, height: 360 }, audio: { codec: 'aac', channels: 1 }, audioTranscoded: false, playable: true }
  app.get<{ Params: { infoHash: string, fileIndex: string, file: string } }>('/hls/:infoHash/:fileIndex/:file', async (request, reply) => {
    const { infoHash, file } = request.params
    if (engine.get(infoHash) === undefined) {
      return await reply.code(404).send({ error: { code: 'REEL_ERR_TORRENT_NOT_FOUND', message: `no torrent ${infoHash} on this box` } })
    }
    if (infoHash === corrupt.infoHash) {
      return await reply.code(422).send({ error: { code: 'REEL_ERR_MEDIA_UNREADABLE', message: 'This video file is damaged and cannot be read. Try another copy of the film.' } })
    }
    if (file === 'info') return info
    if (!/^(index\.m3u8|seg\d{3}\.ts|poster\.jpg)$/.test(file)) return await reply.callNotFound()
    if (infoHash === starved.infoHash && file.endsWith('.ts')) await new Promise(resolve => setTimeout(resolve, STARVED_SEGMENT_DELAY_MS))
    const type = file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : file.endsWith('.ts') ? 'video/mp2t' : 'image/jpeg'
    return await reply.type(type).send(await readFile(join(media, file)))
  })

  await app.listen({ host: '127.0.0.1', port: 0 })
  scope.teardown(async () => { await app.close(); await history.stop() })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const id = (t: FakeTorrent, index: number): string => `${t.infoHash}-${index}`
  return { url: `http://127.0.0.1:${port}`, app, titles: { first: id(first, 0), second: id(second, 1), corrupt: id(corrupt, 0), notVideo: id(notVideo, 0), starved: id(starved, 0) } }
}
