/**
 * The packager with real ffmpeg over a local Range server: playlists from the container index,
 * segments that line up with the playlist whether made from the start or after a seek, audio
 * re-encoded only when the TV cannot play it, one session per viewer, idle reaping, clear
 * errors for bad input, and no ffmpeg left behind.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import t from 'tap'
import type { MediaFixtureKind } from '../../src/cli/demo-media.js'
import { spawnTool, type ToolRunner } from '../../src/hls/media-tool.js'
import { hasFfmpeg, childMediaTools, mediaFixtures, parsePlaylist, segmentCodecs, segmentStarts, startPackagerRig } from './media.js'

/** Polls `find` every 20 ms until it answers, for up to 20 s. */
async function waitForChild (find: () => number | undefined): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const found = find()
    if (found !== undefined) return found
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error('the media tool looked for did not appear (or go away) within 20 s')
}

function commandOf (pid: number): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8') } catch { return '' }
}

if (!hasFfmpeg) {
  t.plan(0, 'ffmpeg and ffprobe are not installed')
} else {
  const fixtures = await mediaFixtures()
  const PLAYABLE: Array<{ kind: MediaFixtureKind, audio: string, transcoded: boolean }> = [
    { kind: 'mp4-moov-front', audio: 'aac', transcoded: false },
    { kind: 'mp4-moov-end', audio: 'aac', transcoded: false },
    { kind: 'mkv-aac', audio: 'aac', transcoded: false },
    { kind: 'mkv-ac3', audio: 'ac3', transcoded: true }
  ]

  for (const { kind, audio, transcoded } of PLAYABLE) {
    t.test(`${kind}: a complete VOD playlist, and every segment where the playlist says`, async t => {
      const rig = await startPackagerRig(t, fixtures)
      const title = await rig.title(kind)
      const info = await rig.packager.info(title)
      t.match(info, { video: { codec: 'h264', width: 320, height: 180 }, audio: { codec: audio, channels: 2 }, audioTranscoded: transcoded, playable: true })
      t.ok(Math.abs(info.durationSeconds - 20) < 0.1, `duration ${info.durationSeconds}`)

      const text = await rig.packager.playlist(title, { segmentQuery: 'viewer=tv1' })
      t.match(text, /#EXT-X-PLAYLIST-TYPE:VOD/)
      t.match(text, /#EXT-X-ENDLIST\n$/)
      const segments = parsePlaylist(text)
      t.same(segments.map(s => s.duration.toFixed(1)), ['4.0', '4.0', '4.0', '4.0', '4.0'], 'cut every 4 s at the 2 s keyframes')
      t.ok(segments.every((s, i) => s.uri === `seg-${i}.ts?viewer=tv1`), 'relative URIs carry the query')
      const total = segments.reduce((sum, s) => sum + s.duration, 0)
      t.ok(Math.abs(total - info.durationSeconds) < 0.05, `durations add up to the film (${total})`)

      let playlistTime = 0
      let origin: number | undefined
      for (let i = 0; i < segments.length; i++) {
        const file = await rig.packager.segment(title, i, { viewer: 'tv1' })
        const starts = segmentStarts(file.path)
        origin ??= starts.video
        t.ok(Math.abs(starts.video - origin - playlistTime) < 0.002, `segment ${i} video starts ${starts.video - origin} s in, as listed`)
        t.same(segmentCodecs(file.path), ['h264', 'aac'], `segment ${i} is H.264 + AAC`)
        playlistTime += segments[i]?.duration ?? 0
      }
      t.ok(origin !== undefined && origin >= 0 && origin < 0.03, `the first segment starts at the film's first frame (${origin})`)
      t.equal(rig.packager.stats().sessions.length <= 1, true, 'one session at most')
    })
  }

  t.test('a seek restarts ffmpeg at that segment, and its segments match those of a session from the start', async t => {
    for (const kind of ['mp4-moov-end', 'mkv-aac', 'mkv-ac3'] as const) {
      const fromStart = await startPackagerRig(t, fixtures)
      const seeking = await startPackagerRig(t, fixtures)
      const title = await fromStart.title(kind)
      const reference = [0, 1, 2, 3].map(() => undefined as ReturnType<typeof segmentStarts> | undefined)
      for (let i = 0; i <= 3; i++) reference[i] = segmentStarts((await fromStart.packager.segment(title, i)).path)
      const seeked = await seeking.packager.segment(title, 3, { viewer: 'tv' })
      t.same(seeking.packager.stats().sessions.map(s => s.firstSegment), [3], `${kind}: the seek started ffmpeg at segment 3`)
      const got = segmentStarts(seeked.path)
      const want = reference[3]
      t.ok(want !== undefined && Math.abs(got.video - want.video) < 0.002, `${kind}: same video PTS (${got.video} vs ${want?.video})`)
      t.ok(want?.audio !== undefined && got.audio !== undefined && Math.abs(got.audio - want.audio) < 0.1,
        `${kind}: audio within a frame or two (${got.audio} vs ${want?.audio})`)
      t.same(segmentCodecs(seeked.path), ['h264', 'aac'])
    }
  })

  t.test('a far seek by the same viewer replaces its session; another title replaces it too', async t => {
    const rig = await startPackagerRig(t, fixtures, { maxSegmentsAhead: 1 })
    const title = await rig.title('mkv-aac')
    await rig.packager.segment(title, 0, { viewer: 'tv' })
    const before = rig.packager.stats().sessions
    t.equal(before.length, 1)
    await rig.packager.segment(title, 4, { viewer: 'tv' })
    const after = rig.packager.stats()
    t.ok(after.sessions.length <= 1, 'still one session for the viewer')
    const other = await rig.title('mp4-moov-front')
    await rig.packager.segment(other, 2, { viewer: 'tv' })
    const sessions = rig.packager.stats().sessions
    t.ok(sessions.length <= 1 && sessions.every(s => s.infoHash === other.infoHash), 'the new title replaced the old session')
  })

  t.test('ffmpeg pauses ahead of the player, idle sessions are reaped, and stop() leaves no ffmpeg behind', async t => {
    // About 250 KB/s: the 20 s clip takes ~4 s to read, so ffmpeg is still running when checked.
    // Idle after 6 s: long enough that a loaded machine's ffmpeg reaches its pause before the reaper acts.
    const rig = await startPackagerRig(t, fixtures, { idleSessionMs: 6000, maxSegmentsAhead: 1 }, { bytesPerSecond: 250_000 })
    const title = await rig.title('mp4-moov-front')
    await rig.packager.segment(title, 0, { viewer: 'idle' })
    const [session] = rig.packager.stats().sessions
    t.ok(session?.pid !== undefined && rig.packager.stats().pids.includes(session.pid), 'the session\'s ffmpeg PID is listed')
    for (let waited = 0; waited < 5000 && rig.packager.stats().sessions[0]?.paused !== true; waited += 100) {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    await new Promise(resolve => setTimeout(resolve, 500))
    t.match(rig.packager.stats().sessions, [{ viewer: 'idle', paused: true, nextSegment: 2 }], 'paused, and held, one segment past the request')
    await rig.packager.segment(title, 1, { viewer: 'idle' })
    await rig.packager.segment(title, 2, { viewer: 'idle' })
    await new Promise(resolve => setTimeout(resolve, 8000))
    t.same(rig.packager.stats().sessions, [], 'reaped 6 s after the last request')
    const late = rig.packager.segment(title, 4, { viewer: 'x' })
    late.catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 200))
    await rig.packager.stop()
    await t.rejects(late, { code: 'REEL_ERR_ABORTED' }, 'a pending request fails when the packager stops')
    t.same(childMediaTools(), [], 'no ffmpeg or ffprobe left')
  })

  t.test('a /stream connection that drops: ffmpeg reconnects at the right offset and the film is whole', async t => {
    const rig = await startPackagerRig(t, fixtures, {}, { dropAfterBytes: 200_000 })
    const title = await rig.title('mp4-moov-front')
    const segments = (await rig.packager.playlist(title)).split('\n').filter(l => l.startsWith('seg-'))
    for (let i = 0; i < segments.length; i++) t.ok((await rig.packager.segment(title, i)).size > 10_000, `segment ${i}`)
    t.ok(rig.server.requests.length > 5, `${rig.server.requests.length} requests: ffmpeg came back after each drop`)
  })

  t.test('a source that goes away mid-film: ffmpeg exits 0 early, which is not taken for the film\'s end', async t => {
    const rig = await startPackagerRig(t, fixtures, {}, { failFrom: 600_000 })
    const title = await rig.title('mp4-moov-front')
    t.ok((await rig.packager.segment(title, 0)).size > 0, 'the start plays')
    await t.rejects(rig.packager.segment(title, 4), { code: 'REEL_ERR_MEDIA_TOOL', message: /ffmpeg stopped/ },
      'the missing end is an error (after retries), not a silent end of film')
    t.same(childMediaTools(), [], 'no ffmpeg left')
  })

  t.test('a viewer waiting on another viewer\'s session still gets its segment when that viewer seeks away', async t => {
    const rig = await startPackagerRig(t, fixtures, {}, { bytesPerSecond: 150_000 })
    const title = await rig.title('mp4-moov-front')
    await rig.packager.segment(title, 0, { viewer: 'b' })
    const a = rig.packager.segment(title, 2, { viewer: 'a' })
    await new Promise(resolve => setTimeout(resolve, 100))
    t.same(rig.packager.stats().sessions.map(s => s.viewer), ['b'], 'a waits on b\'s session')
    const b = rig.packager.segment(title, 4, { viewer: 'b' })
    t.ok((await a).size > 0, 'a got segment 2 from a session of its own')
    t.ok((await b).size > 0)
  })

  t.test('a segment that does not come in time is a SegmentTimeoutError (504), and the session carries on', async t => {
    const warm = await startPackagerRig(t, fixtures)
    const title = await warm.title('mkv-aac')
    await warm.packager.playlist(title) // the probe and plan land in the disk cache
    await warm.packager.stop()
    // 15 KB/s: segment 0 (~200 KB) takes far longer than the 500 ms wait.
    const slow = await startPackagerRig(t, fixtures, { cacheDir: warm.cacheDir, segmentWaitMs: 500 }, { bytesPerSecond: 15_000 })
    await t.rejects(slow.packager.segment(title, 0, { viewer: 'tv' }), { code: 'REEL_ERR_SEGMENT_TIMEOUT', message: /segment 0 was not ready within 1 s/ })
    t.equal(slow.packager.stats().sessions.length, 1, 'the session keeps going for the retry')
  })

  t.test('bad input gets a named error; the packager keeps serving others', async t => {
    const rig = await startPackagerRig(t, fixtures)
    const notVideo = await rig.title('not-video')
    await t.rejects(rig.packager.info(notVideo), { code: 'REEL_ERR_NOT_VIDEO', message: /is not a video/ })
    await t.rejects(rig.packager.playlist(notVideo), { code: 'REEL_ERR_NOT_VIDEO' })
    await t.rejects(rig.packager.segment(notVideo, 0), { code: 'REEL_ERR_NOT_VIDEO' })
    const corrupt = await rig.title('corrupt-video')
    await t.rejects(rig.packager.info(corrupt), { code: 'REEL_ERR_MEDIA_UNREADABLE', message: /cannot be read as a video/ })
    await t.rejects(rig.packager.poster(corrupt), { code: 'REEL_ERR_MEDIA_UNREADABLE' })
    const good = await rig.title('mp4-moov-front')
    t.equal((await rig.packager.info(good)).playable, true)
  })

  t.test('a poster being made when a film starts is stopped, and made once the film has started', async t => {
    let now = 0
    const rig = await startPackagerRig(t, fixtures, { clock: { now: () => now } }, { bytesPerSecond: 64 * 1024 })
    const title = await rig.title('mp4-moov-front')
    const before = new Set(childMediaTools())
    const poster = rig.packager.poster(title)
    let settled = false
    void poster.finally(() => { settled = true })
    const posterFfmpeg = await waitForChild(() => childMediaTools().find(pid => !before.has(pid) && commandOf(pid).includes('.partial.jpg')))
    await rig.packager.playlist(title) // Play: the poster's ffmpeg is stopped
    await waitForChild(() => childMediaTools().includes(posterFfmpeg) ? undefined : posterFfmpeg)
    t.equal(settled, false, 'the poster is still pending, not failed')
    now += 60_000 // the film has started long ago: posters may be made again
    const made = await poster
    t.equal((await readFile(made.path)).subarray(0, 3).toString('hex'), 'ffd8ff', 'then made in full')
  })

  /** A runner that spawns the real tools and keeps the arguments of every ffprobe it starts. */
  function countingProbes (): { runner: ToolRunner, probes: string[][] } {
    const probes: string[][] = []
    return { probes, runner: (command, args) => { if (command.endsWith('ffprobe')) probes.push([...args]); return spawnTool(command, args) } }
  }

  t.test('a title probed ahead gives way to another film starting: its ffprobe is stopped, and it is probed again later', async t => {
    const { runner, probes } = countingProbes()
    // An MP4's probe reads its moov at the front: about 2 s at 8 KiB/s. An MKV's takes 0.1 s.
    const rig = await startPackagerRig(t, fixtures, { runner }, { bytesPerSecond: 8 * 1024 })
    const ahead = await rig.title('mp4-moov-front')
    const film = await rig.title('mkv-aac')
    const before = new Set(childMediaTools())
    const prepared = rig.packager.prepare(ahead)
    const aheadProbe = await waitForChild(() => childMediaTools().find(pid => !before.has(pid) && commandOf(pid).includes(ahead.infoHash)))
    const starting = rig.packager.playlist(film) // Play on another title
    starting.catch(() => {}) // teardown stops it
    await t.rejects(prepared, { code: 'REEL_ERR_ABORTED' }, 'the prepare gives way')
    await waitForChild(() => childMediaTools().includes(aheadProbe) ? undefined : aheadProbe)
    t.pass('its ffprobe is gone')
    const again = rig.packager.prepare(ahead)
    await waitForChild(() => childMediaTools().find(pid => pid !== aheadProbe && commandOf(pid).includes(ahead.infoHash)))
    t.equal(probes.filter(args => args.some(a => a.includes(ahead.infoHash))).length, 2, 'asked again, the title is probed from scratch')
    again.catch(() => {}) // teardown stops it
  })

  t.test('a title probed ahead that the viewer plays keeps its probe: the film waits on it rather than starting another', async t => {
    const { runner, probes } = countingProbes()
    const rig = await startPackagerRig(t, fixtures, { runner }, { bytesPerSecond: 8 * 1024 })
    const title = await rig.title('mp4-moov-front')
    const before = new Set(childMediaTools())
    const prepared = rig.packager.prepare(title)
    await waitForChild(() => childMediaTools().find(pid => !before.has(pid) && commandOf(pid).includes(title.infoHash)))
    const playlist = rig.packager.playlist(title) // Play on the very title being prepared
    await t.rejects(prepared, { code: 'REEL_ERR_ABORTED' }, 'the prepare itself gives way')
    t.ok(parsePlaylist(await playlist).length > 0, 'the film gets its playlist')
    t.equal(probes.filter(args => args.includes('-show_streams')).length, 1, 'from the one probe')
    const info = await rig.packager.info(title)
    t.equal(info.playable, true, 'whose result is kept')
  })

  t.test('a caller that stops waiting for a probe others wait on leaves it running for them', async t => {
    const { runner, probes } = countingProbes()
    const rig = await startPackagerRig(t, fixtures, { runner }, { bytesPerSecond: 8 * 1024 })
    const title = await rig.title('mp4-moov-front')
    const leaving = new AbortController()
    const impatient = rig.packager.info(title, { signal: leaving.signal })
    const patient = rig.packager.info(title)
    await waitForChild(() => childMediaTools().find(pid => commandOf(pid).includes(title.infoHash)))
    leaving.abort()
    await t.rejects(impatient, { code: 'REEL_ERR_ABORTED' })
    t.equal((await patient).playable, true)
    t.equal(probes.length, 1, 'one ffprobe for both')
    await t.rejects(rig.packager.info(title, { signal: AbortSignal.abort() }), { code: 'REEL_ERR_ABORTED' }, 'a caller gone before asking gets the same error')
  })

  t.test('a poster frame is a ~480 px JPEG, made once', async t => {
    const rig = await startPackagerRig(t, fixtures)
    const title = await rig.title('mkv-ac3')
    const poster = await rig.packager.poster(title)
    const bytes = await readFile(poster.path)
    t.equal(bytes.subarray(0, 3).toString('hex'), 'ffd8ff', 'JPEG magic')
    const again = await rig.packager.poster(title)
    t.equal(again.path, poster.path)
  })
}
