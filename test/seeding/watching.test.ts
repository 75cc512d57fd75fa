/**
 * Must show 2: while three libtorrent leechers pull a title from the box, a /stream reader
 * plays another title (fetched from a libtorrent seed as it plays) at a constant bitrate for
 * 60 s with zero stalls, and the box uploads nothing to the leechers (watching budget 0: only
 * peers feeding the film would be served, and none of them is). After the reader stops and
 * the quiet period (3 s here) passes, the box is idle again and uploads resume.
 */
import t from 'tap'
import { makeTorrentFixture } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { playAtBitrate } from './fixtures/paced-player.js'
import { received, sharing, sleep, startLeechers, startSeedingBox, until } from './fixtures/seeding-box.js'

const KiB = 1024
const MiB = 1024 * KiB
const BITRATE = 256 * KiB
const PLAY_SECONDS = 60
const QUIET_SECONDS = 3

t.test('watching holds uploads to the watching budget without a stall, and idle resumes them', async t => {
  const shared = await makeTorrentFixture(t, { name: 'Shared', pieceLength: 256 * KiB, files: [{ path: 'shared.bin', length: 16 * MiB }] })
  // 40 MiB at twice the bitrate takes 80 s: the film is still arriving when the 60 s of playback end,
  // so the server cannot finish the response early (a finished response closes its reader).
  const film = await makeTorrentFixture(t, { name: 'Film', pieceLength: 512 * KiB, files: [{ path: 'film.mp4', length: 40 * MiB }] })
  const box = await startSeedingBox(t, { titles: [shared], settings: { idleRate: MiB, watchingRate: 0, quietPeriodSeconds: QUIET_SECONDS } })
  const playing = await box.engine.add({ torrentFile: film.torrentFile })
  // The film comes from one seed at twice the bitrate (2 Mbit/s film, 4 Mbit/s line).
  await startLibtorrentPeer(t, { torrentPath: film.torrentPath, save: film.dir, mode: 'seed', uploadLimit: 2 * BITRATE, peers: [box.peerAddress] })
  const leechers = await startLeechers(t, shared, 3, box.peerAddress)
  await until('the leechers receiving from the idle box', () => received(leechers) > MiB, 20_000)
  t.match(await sharing(box.url), { presence: 'idle', allowance: { mode: 'open', reason: 'idle' } })

  const startedAt = performance.now()
  const playback = playAtBitrate({ url: `${box.url}/stream/${film.infoHash}/0`, bytesPerSecond: BITRATE, seconds: PLAY_SECONDS, prebufferBytes: 4 * BITRATE })
  await sleep(1500)
  const view = await sharing(box.url)
  t.match(view, { presence: 'watching', allowance: { mode: 'reciprocal', reason: 'watching' } })
  const fromWatchStart = received(leechers)
  const samples: number[] = []
  const sampler = setInterval(() => samples.push(received(leechers)), 5000)
  const result = await playback.finally(() => clearInterval(sampler))
  const duringWatching = received(leechers) - fromWatchStart
  const watchedFor = (performance.now() - startedAt) / 1000
  t.comment(`played ${result.bytes} bytes in ${watchedFor.toFixed(1)} s, startup ${Math.round(result.startupMs)} ms, stalls ${result.stalls} at ${JSON.stringify(result.stallsAt)} s (${Math.round(result.stalledMs)} ms); film progress ${playing.stats().progress.toFixed(3)}`)
  t.comment(`leechers got ${duringWatching} bytes from 1.5 s after play started to its end; samples every 5 s: ${samples.map(s => s - fromWatchStart).join(', ')}`)
  t.equal(result.stalls, 0, 'zero stalls over 60 s of playback')
  t.equal(duringWatching, 0, 'the box uploaded nothing to the leechers while watching (watching budget 0)')
  t.ok(leechers.every(l => l.progress().progress < 1), 'the leechers still wanted data all along')

  const stoppedAt = performance.now()
  const beforeIdle = received(leechers)
  await until('uploads to resume after the quiet period', () => received(leechers) > beforeIdle + 256 * KiB, (QUIET_SECONDS + 10) * 1000)
  const resumedAfter = (performance.now() - stoppedAt) / 1000
  t.comment(`uploads resumed ${resumedAfter.toFixed(1)} s after the reader stopped (quiet period ${QUIET_SECONDS} s)`)
  // Presence is sampled every second, so the quiet period counts from the last second a reader was seen.
  t.ok(resumedAfter >= QUIET_SECONDS - 1, 'not before the quiet period ended (give or take the one-second tick)')
  t.match(await sharing(box.url), { presence: 'idle', allowance: { mode: 'open', reason: 'idle' } })
  // The upload bucket resumes with up to a second of burst, and each leecher reports its count
  // every 0.2 s: let the burst go by, then measure over 6 s so neither moves the rate by 5 %.
  await sleep(1000)
  const from = received(leechers)
  await sleep(6000)
  const rate = (received(leechers) - from) / 6
  t.comment(`idle rate after resuming: ${(rate / MiB).toFixed(3)} MiB/s`)
  t.ok(rate >= 0.8 * MiB && rate <= 1.2 * MiB, 'back at the idle budget')
})
