/**
 * The player UI in Chromium against a stand-in for the HLS backend (test/ui/stand-in-hls.ts):
 * the same remote-control journey as test/ui/player.test.ts, runnable before and without the
 * real backend. Needs the UI built (node scripts/build-ui.mjs).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { launchBrowser, measureEnterToPlaying, screenshot, waitForFocus } from '../helpers/browser.js'
import { repoRoot } from '../helpers/paths.js'
import { backToHome, expectProblemOnScreen, focusTitle, openHome, playThroughWithRemote, resumeFocusedTitle, waitForSavedPosition } from './remote-scenario.js'
import { startStandInDaemon } from './stand-in-hls.js'

const built = existsSync(join(repoRoot(), 'dist', 'player-ui', 'app.js'))

t.test('remote control: play two titles, seek, go back; problems on screen for bad titles', { skip: built ? false : 'the player UI is not built: node scripts/build-ui.mjs' }, async t => {
  const daemon = await startStandInDaemon(t)
  const tv = await launchBrowser(t)
  const page = await tv.newPage()
  const { first, second, corrupt, notVideo, starved } = daemon.titles

  await openHome(t, page, daemon.url, first, 'home-stand-in')
  await playThroughWithRemote(t, page, { index: 0, titleId: first, name: 'first film', backKey: 'Backspace', screenshotName: 'player-stand-in' })
  const saved = await waitForSavedPosition(daemon.url, first)
  t.ok(saved > 10, `the position was saved on leaving (${saved.toFixed(1)} s)`)
  await resumeFocusedTitle(t, page, 'first film', saved)
  await backToHome(t, page, 'Escape', first)
  await playThroughWithRemote(t, page, { index: 1, titleId: second, name: 'second film (file 1 of its torrent)', backKey: 'Escape' })
  await expectProblemOnScreen(t, page, { index: 2, titleId: corrupt, message: /damaged and cannot be read/ })
  await expectProblemOnScreen(t, page, { index: 3, titleId: notVideo, message: /not a video file/, screenshotName: 'problem-stand-in' })

  // A film whose torrent has no peers: the spinner says so.
  await focusTitle(page, 4, starved)
  await page.keyboard.press('Enter')
  await waitForFocus(page, f => f.action === 'play', 'Play on the starved title')
  await page.keyboard.press('Enter')
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector: (s: string) => { textContent: string | null } | null } })
    .document.querySelector('.spinner__reason')?.textContent === 'Waiting for peers', undefined, { timeout: 10_000 })
  t.pass('the spinner says "Waiting for peers" while a peerless torrent buffers')
  t.comment(`screenshot: ${await screenshot(page, 'spinner-stand-in')}`)
  await backToHome(t, page, 'Backspace', starved)

  // The rest of the UI keeps working after the errors.
  const timing = await measureEnterToPlaying(page, first)
  t.ok(timing.playEnterToPlayingMs > 0 && timing.titleEnterToPlayingMs >= timing.playEnterToPlayingMs, `startup timing ${JSON.stringify(timing)}`)
  await backToHome(t, page, 'Backspace', first)
})

t.test('an unknown title\'s address shows a message, and Back goes home', { skip: built ? false : 'the player UI is not built' }, async t => {
  const daemon = await startStandInDaemon(t)
  const tv = await launchBrowser(t)
  const page = await tv.newPage()
  await page.goto(`${daemon.url}/play/${'e'.repeat(40)}-3`)
  await page.waitForSelector('.problem', { timeout: 15_000 })
  t.match(await page.textContent('.problem'), /not on this box/)
  await page.keyboard.press('Backspace')
  await page.waitForSelector('[data-title-id]:focus', { timeout: 15_000 })
  t.equal(new URL(page.url()).pathname, '/')
})
