import t from 'tap'
import { readFile } from 'node:fs/promises'
import { makeTorrentFixture, startTracker } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { reelUnavailableReason, startReelDaemon } from '../helpers/reel.js'

const unavailable = reelUnavailableReason('source')

t.test('the Reel helper starts the daemon and drives it over HTTP', { skip: unavailable ?? false }, async t => {
  const tracker = await startTracker(t)
  const fx = await makeTorrentFixture(t, {
    files: [{ path: 'clip.bin', length: 600_000 }], pieceLength: 32 * 1024, announce: [tracker.announceUrl],
  })
  const seeder = await startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed' })
  await seeder.waitFinished()

  const reel = await startReelDaemon(t)
  t.match(reel.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'the daemon logs its URL')
  t.equal((await reel.api.fetch('/healthz')).status, 200, '/healthz answers')

  const added = await reel.api.addTorrent(fx.torrentFile)
  t.equal(added.infoHash, fx.infoHash)
  await reel.api.waitComplete(fx.infoHash, { timeoutMs: 20_000 })

  const res = await reel.api.fetch(`/stream/${fx.infoHash}/0`, { headers: { range: 'bytes=1000-1999' } })
  t.equal(res.status, 206)
  t.ok(Buffer.from(await res.arrayBuffer()).equals(fx.expectedBytes(0, 1000, 1000)), 'a ranged read returns the right bytes')
})

t.test('the Reel helper works against a stand-in daemon in TypeScript', async t => {
  const fx = await makeTorrentFixture(t, { files: [{ path: 'x.bin', length: 50_000 }] })
  const reel = await startReelDaemon(t, { entryPath: new URL('../helpers/stand-in-daemon.ts', import.meta.url).pathname })
  t.match(reel.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(reel.torrentPort, 6881)
  t.equal((await reel.api.fetch('/healthz')).status, 200)
  const added = await reel.api.addTorrent(fx.torrentFile)
  t.same(added, { infoHash: fx.infoHash, name: 'x.bin', files: [{ index: 0, path: 'x.bin', length: 50_000 }] })
  t.equal((await reel.api.waitComplete(fx.infoHash, { intervalMs: 10 })).progress, 1)
  await t.rejects(reel.api.get('f'.repeat(40)), { name: 'ReelHttpError', status: 404 })

  const ffmpegPid = Number(reel.listening['ffmpegPid'])
  t.doesNotThrow(() => process.kill(ffmpegPid, 0), 'the daemon\'s child runs')
  await reel.stop()
  t.ok(await gone(ffmpegPid, 3000), 'stop() takes the daemon\'s children with it')
})

/** Whether `pid` is gone (or a zombie waiting for init) within `ms`. */
async function gone(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise(r => setTimeout(r, 50))) {
    try {
      if ((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.startsWith('Z')) return true
    } catch {
      return true
    }
  }
  return false
}
