/**
 * `/hls/...` through fastify's inject(): the URL contract the player UI relies on, with the real
 * packager over a Range server and a stand-in engine that only lists files. A multi-file torrent
 * holds a text file first and the film second.
 */
import { spawnSync } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import { registerErrorHandling } from '../../src/api/errors.js'
import { hlsRoutes } from '../../src/api/hls.js'
import type { Engine, Torrent, TorrentFileInfo } from '../../src/engine/types.js'
import { createHlsPackager, type StreamReading } from '../../src/hls/index.js'
import { silentLogger } from '../../src/log.js'
import { tempDir } from '../helpers/fixtures.js'
import { childMediaTools, hasFfmpeg, mediaFixtures, parsePlaylist } from './media.js'
import { startRangeServer } from './range-server.js'

const MULTI = 'a'.repeat(40)
const SINGLE = 'b'.repeat(40)
const CORRUPT = 'c'.repeat(40)
const MISSING = 'd'.repeat(40)
const HEVC = 'e'.repeat(40)

if (!hasFfmpeg) {
  t.plan(0, 'ffmpeg and ffprobe are not installed')
} else {
  const fixtures = await mediaFixtures()

  t.test('the HLS routes', async t => {
    const layout: Record<string, Array<{ path: string, local: string }>> = {
      [MULTI]: [{ path: 'Film/readme.txt', local: fixtures['not-video'] }, { path: 'Film/film.mkv', local: fixtures['mkv-ac3'] }],
      [SINGLE]: [{ path: 'moov-end.mp4', local: fixtures['mp4-moov-end'] }],
      [CORRUPT]: [{ path: 'broken.mp4', local: fixtures['corrupt-video'] }]
    }
    // A 2 s HEVC clip, only for the codec check.
    const hevcPath = join(await tempDir(t), 'hevc.mkv')
    const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25', '-t', '2',
      '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:pools=1', '-threads', '1', '-f', 'matroska', hevcPath])
    t.equal(made.status, 0, 'HEVC clip made')
    layout[HEVC] = [{ path: 'hevc.mkv', local: hevcPath }]
    const served: Record<string, string> = {}
    const lengths = new Map<string, number>()
    const torrents = new Map<string, Torrent>()
    for (const [infoHash, files] of Object.entries(layout)) {
      const infos: TorrentFileInfo[] = []
      let offset = 0
      for (const [index, f] of files.entries()) {
        served[`/stream/${infoHash}/${index}`] = f.local
        const { size } = await stat(f.local)
        infos.push({ index, path: f.path, length: size, offset })
        lengths.set(`${infoHash}/${index}`, size)
        offset += size
      }
      torrents.set(infoHash, { infoHash, name: 'x', hasMetadata: true, files: () => infos, whenMetadata: async () => {} } as unknown as Torrent)
    }
    const server = await startRangeServer(served)
    t.teardown(server.close)
    /** The playback rate each title's ffmpeg was given, by `infoHash/fileIndex`. */
    const rates = new Map<string, number | undefined>()
    /** Every stream URL asked for, in order: who reads and what it declared. */
    const readings: Array<{ title: string, reading: StreamReading | undefined }> = []
    const packager = createHlsPackager({
      cacheDir: await tempDir(t),
      log: silentLogger(),
      streamUrl: (h, i, reading) => {
        readings.push({ title: `${h}/${i}`, reading })
        if (reading?.bytesPerSecond !== undefined) rates.set(`${h}/${i}`, reading.bytesPerSecond)
        return `${server.url}/stream/${h}/${i}`
      }
    })
    await packager.start()
    t.teardown(packager.stop)
    const engine = { get: (h: string) => torrents.get(h) } as unknown as Engine
    const app = Fastify()
    registerErrorHandling(app, silentLogger())
    await app.register(hlsRoutes({ engine, packager }))
    t.teardown(async () => { await app.close() })

    t.test('a film that is file 1 of a multi-file torrent plays: info, playlist, segments, poster', async t => {
      const info = await app.inject(`/hls/${MULTI}/1/info`)
      t.equal(info.statusCode, 200)
      t.match(info.json(), { video: { codec: 'h264', width: 320, height: 180 }, audio: { codec: 'ac3', channels: 2 }, audioTranscoded: true, playable: true })

      const playlist = await app.inject(`/hls/${MULTI}/1/index.m3u8?viewer=tv-1&hevc=1`)
      t.equal(playlist.statusCode, 200)
      t.match(playlist.headers['content-type'], /application\/vnd\.apple\.mpegurl/)
      const segments = parsePlaylist(playlist.body)
      t.equal(segments.length, 5)
      t.equal(segments[0]?.uri, 'seg-0.ts?viewer=tv-1&hevc=1')

      const segment = await app.inject(`/hls/${MULTI}/1/${segments[2]?.uri ?? ''}`)
      t.equal(segment.statusCode, 200)
      t.equal(segment.headers['content-type'], 'video/mp2t')
      t.equal(segment.rawPayload[0], 0x47, 'an MPEG-TS sync byte')
      t.equal(Number(segment.headers['content-length']), segment.rawPayload.length)
      const { durationSeconds } = info.json<{ durationSeconds: number }>()
      const expectedRate = (lengths.get(`${MULTI}/1`) ?? NaN) / durationSeconds
      t.ok(Math.abs((rates.get(`${MULTI}/1`) ?? 0) / expectedRate - 1) < 0.01, 'ffmpeg reads /stream with the film\'s bytes per second, so deadlines follow playback')

      const poster = await app.inject(`/hls/${MULTI}/1/poster.jpg`)
      t.equal(poster.statusCode, 200)
      const mine = readings.filter(r => r.title === `${MULTI}/1`)
      t.same(mine.filter(r => r.reading?.background !== true).map(r => Object.keys(r.reading ?? {})), [['bytesPerSecond']],
        'only ffmpeg playing the film reads as a viewer; probe, keyframe scan and poster read as background work')
      t.equal(poster.headers['content-type'], 'image/jpeg')
      t.equal(poster.rawPayload.subarray(0, 2).toString('hex'), 'ffd8')
    })

    t.test('segments are cached: the same segment again is the same bytes without ffmpeg', async t => {
      const a = await app.inject(`/hls/${SINGLE}/0/seg-1.ts`)
      const b = await app.inject(`/hls/${SINGLE}/0/seg-1.ts`)
      t.equal(a.statusCode, 200)
      t.ok(a.rawPayload.equals(b.rawPayload))
    })

    t.test('bad input answers 4xx with a named error, and the others keep playing', async t => {
      const cases: Array<[string, number, string]> = [
        [`/hls/${MULTI}/0/info`, 415, 'REEL_ERR_NOT_VIDEO'],
        [`/hls/${MULTI}/0/index.m3u8`, 415, 'REEL_ERR_NOT_VIDEO'],
        [`/hls/${MULTI}/0/seg-0.ts`, 415, 'REEL_ERR_NOT_VIDEO'],
        [`/hls/${MULTI}/0/poster.jpg`, 415, 'REEL_ERR_NOT_VIDEO'],
        [`/hls/${CORRUPT}/0/info`, 422, 'REEL_ERR_MEDIA_UNREADABLE'],
        [`/hls/${CORRUPT}/0/index.m3u8`, 422, 'REEL_ERR_MEDIA_UNREADABLE'],
        [`/hls/${MISSING}/0/index.m3u8`, 404, 'REEL_ERR_TORRENT_NOT_FOUND'],
        [`/hls/${MULTI}/7/index.m3u8`, 404, 'REEL_ERR_FILE_NOT_FOUND'],
        [`/hls/${MULTI}/1/seg-99.ts`, 400, 'REEL_ERR_BAD_REQUEST'],
        [`/hls/${MULTI}/1/segment-1.ts`, 404, 'REEL_ERR_ROUTE_NOT_FOUND'],
        [`/hls/${MULTI}/1/index.m3u8?viewer=${'x'.repeat(200)}`, 400, 'REEL_ERR_BAD_REQUEST'],
        [`/hls/${MULTI}/1/index.m3u8?hevc=maybe`, 400, 'REEL_ERR_BAD_REQUEST'],
        ['/hls/xyz/0/index.m3u8', 400, 'REEL_ERR_BAD_REQUEST']
      ]
      for (const [url, status, code] of cases) {
        const res = await app.inject(url)
        t.equal(res.statusCode, status, url)
        t.equal(res.json<{ error: { code: string } }>().error.code, code, `${url} → ${code}`)
      }
      const message = (await app.inject(`/hls/${CORRUPT}/0/info`)).json<{ error: { message: string } }>().error.message
      t.match(message, /"broken.mp4" cannot be read as a video/)
      t.equal((await app.inject(`/hls/${SINGLE}/0/info`)).statusCode, 200, 'another title still plays')
    })

    t.test('HEVC plays only where the browser reported it; elsewhere a message fit for the screen', async t => {
      const refused = await app.inject(`/hls/${HEVC}/0/info`)
      t.equal(refused.statusCode, 415)
      t.match(refused.json(), { error: { code: 'REEL_ERR_UNSUPPORTED_CODEC', message: /^This film's video \(HEVC\) is not supported on this box/ } })
      t.equal((await app.inject(`/hls/${HEVC}/0/index.m3u8`)).statusCode, 415)
      const accepted = await app.inject(`/hls/${HEVC}/0/info?hevc=1`)
      t.equal(accepted.statusCode, 200)
      t.match(accepted.json(), { video: { codec: 'hevc' }, audio: null, playable: true })
      t.equal((await app.inject(`/hls/${HEVC}/0/index.m3u8?hevc=1`)).statusCode, 200)
    })

    t.test('/hls/stats lists sessions and ffmpeg PIDs for the bench', async t => {
      const res = await app.inject('/hls/stats')
      t.equal(res.statusCode, 200)
      t.match(res.json(), { sessions: Array, pids: Array, cache: { bytes: Number, limitBytes: 1024 * 1024 * 1024 }, probes: Number })
    })

    t.test('stop() leaves no ffmpeg behind', async t => {
      await packager.stop()
      t.same(childMediaTools(), [])
    })
  })
}
