/**
 * Issue 4, must-show 1 and 4, end to end: a real daemon (src/cli/main.ts), libtorrent seeders
 * behind a local tracker, and Debian's Chromium driven with key presses only. Each playable
 * fixture title (MP4 moov at the front and at the end, MKV with AAC, MKV with AC-3 as file 1 of
 * a folder torrent) plays past 5 s without a fatal hls.js error, seeks +10 s with the remote and
 * resumes there, and Back returns home; bad titles show their message and the rest keeps
 * working. A screenshot of the player goes to test/artifacts/. Needs `node scripts/build-ui.mjs`.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { launchBrowser, measureEnterToPlaying } from '../helpers/browser.js'
import { startTracker, tempDir } from '../helpers/fixtures.js'
import { startLibtorrentPeer } from '../helpers/libtorrent.js'
import { repoRoot } from '../helpers/paths.js'
import { startReelDaemon, type ReelDaemon } from '../helpers/reel.js'
import { backToHome, expectProblemOnScreen, openHome, playThroughWithRemote, waitForSavedPosition } from './remote-scenario.js'
import { makePlayerFixtures, type MediaTorrent, type PlayerFixtures } from './media-fixtures.js'

const built = existsSync(join(repoRoot(), 'dist', 'player-ui', 'app.js'))

interface TitleRow { id: string, name: string }

async function titlesOf (daemon: ReelDaemon): Promise<TitleRow[]> {
  const res = await daemon.api.fetch('/api/titles')
  if (res.status !== 200) throw new Error(`GET /api/titles answered ${res.status}: ${(await res.text()).slice(0, 300)}; is titleRoutes registered?`)
  return await res.json() as TitleRow[]
}

const idOf = (m: MediaTorrent): string => `${m.infoHash}-${m.fileIndex}`

/** The films a viewer plays, in order, with what the test calls them; Back alternates its key. */
const PLAYABLE: ReadonlyArray<{ role: keyof PlayerFixtures, name: string }> = [
  { role: 'moovAtEnd', name: 'MP4 moov at the end' },
  { role: 'moovAtFront', name: 'MP4 moov at the front' },
  { role: 'mkvAac', name: 'MKV H.264 + AAC' },
  { role: 'mkvAc3', name: 'MKV H.264 + AC-3, file 1' }
]

t.test('a viewer plays every fixture title with the remote, and bad titles explain themselves', { skip: built ? false : 'the player UI is not built: node scripts/build-ui.mjs' }, async t => {
  const tracker = await startTracker(t)
  const fixtures = await makePlayerFixtures(await tempDir(t, 'reel-ui-media-'), [tracker.announceUrl])
  const all = Object.values(fixtures)
  await Promise.all(all.map(async f => await startLibtorrentPeer(t, { torrentPath: f.torrentPath, save: f.saveDir, mode: 'seed', name: `lt-${f.infoHash.slice(0, 6)}` })))
  const daemon = await startReelDaemon(t)
  for (const f of all) await daemon.api.addTorrent(f.torrentFile)

  const titles = await titlesOf(daemon)
  const order = titles.map(x => x.id)
  t.same([...order].sort(), all.map(idOf).sort(), 'every fixture is a title')
  t.ok(fixtures.mkvAc3.fileIndex > 0, 'the MKV is not the first file of its torrent')
  const indexOf = (m: MediaTorrent): number => order.indexOf(idOf(m))

  // Must-show 4 from the API side: the bad inputs get 4xx, and the daemon keeps serving.
  const corruptInfo = await daemon.api.fetch(`/hls/${fixtures.corrupt.infoHash}/0/info`, { signal: AbortSignal.timeout(30_000) })
  t.ok(corruptInfo.status >= 400 && corruptInfo.status < 500, `corrupt video info: ${corruptInfo.status}`)
  const corruptMessage = ((await corruptInfo.json()) as { error: { message: string } }).error.message

  const tv = await launchBrowser(t)
  const page = await tv.newPage()
  await openHome(t, page, daemon.url, order[0] ?? '', 'home')
  for (const [i, { role, name }] of PLAYABLE.entries()) {
    const film = fixtures[role]
    await playThroughWithRemote(t, page, {
      index: indexOf(film), titleId: idOf(film), name, backKey: i % 2 === 0 ? 'Backspace' : 'Escape', screenshotName: i === 0 ? 'player' : undefined
    })
  }
  await expectProblemOnScreen(t, page, { index: indexOf(fixtures.corrupt), titleId: idOf(fixtures.corrupt), message: new RegExp(corruptMessage.slice(0, 40).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), screenshotName: 'problem-corrupt' })
  await expectProblemOnScreen(t, page, { index: indexOf(fixtures.notVideo), titleId: idOf(fixtures.notVideo), message: /not a video file/ })

  // After the errors the rest still works: a film plays again, and Resume was saved.
  const saved = await waitForSavedPosition(daemon.url, idOf(fixtures.moovAtEnd))
  t.ok(saved > 10, `the position was saved on leaving (${saved.toFixed(1)} s)`)
  const timing = await measureEnterToPlaying(page, idOf(fixtures.mkvAc3))
  t.ok(timing.playEnterToPlayingMs > 0, `Enter on a title → playing: ${JSON.stringify(timing)}`)
  await backToHome(t, page, 'Backspace', idOf(fixtures.mkvAc3))

  // Must-show 4 from the API side: unknown and non-video titles get 4xx, and the daemon still serves.
  for (const url of [`/api/titles/${'f'.repeat(40)}-0`, `/api/titles/${fixtures.mkvAc3.infoHash}-7`, `/api/titles/${fixtures.mkvAc3.infoHash}-${fixtures.mkvAc3.fileIndex === 0 ? 1 : 0}`,
    `/hls/${'f'.repeat(40)}/0/info`, `/hls/${fixtures.notVideo.infoHash}/${fixtures.notVideo.fileIndex}/info`, '/api/titles']) {
    const res = await daemon.api.fetch(url, { signal: AbortSignal.timeout(30_000) })
    if (url === '/api/titles') t.equal(res.status, 200, 'the daemon still serves the titles')
    else t.ok(res.status >= 400 && res.status < 500, `${url} → ${res.status}`)
  }
})

t.test('an unknown title\'s address shows a message on screen', { skip: built ? false : 'the player UI is not built' }, async t => {
  const daemon = await startReelDaemon(t)
  const tv = await launchBrowser(t)
  const page = await tv.newPage()
  await page.goto(`${daemon.url}/play/${'e'.repeat(40)}-3`)
  await page.waitForSelector('.problem', { timeout: 15_000 })
  t.match(await page.textContent('.problem'), /not on this box/)
  await page.keyboard.press('Backspace')
  await page.waitForURL(url => new URL(url).pathname === '/', { timeout: 15_000 })
  t.pass('Back leads home')
})
