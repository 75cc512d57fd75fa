/**
 * What a viewer does with the remote, as test steps shared by the stand-in and real-daemon
 * tests: find a title on the home grid with arrow keys, open it, play, seek, go back.
 * Key presses only; the page is read (never clicked) to check what the screen shows.
 */
import type { Page } from 'playwright-core'
import { focused, screenshot, screenText, waitForFocus, waitForPlayer } from '../helpers/browser.js'
import type { TapTest } from '../helpers/tap-types.js'

/** The grid's columns at 1920×1080 (player-ui/src/app.css). */
const COLUMNS = 4

/** Opens the UI and checks that focus starts on the first title. */
export async function openHome (t: TapTest, page: Page, baseUrl: string, firstTitleId: string, screenshotName?: string): Promise<void> {
  await page.goto(`${baseUrl}/`)
  const focus = await waitForFocus(page, f => f.titleId !== null, 'a title on the home screen')
  t.equal(focus.titleId, firstTitleId, 'focus starts on the first title')
  if (screenshotName !== undefined) {
    // Poster frames load lazily; give them a moment so the artifact shows them.
    await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => {})
    t.comment(`screenshot: ${await screenshot(page, screenshotName)}`)
  }
}

/** Enter on the focused title opens it with Resume focused; Enter there plays from the saved position. */
export async function resumeFocusedTitle (t: TapTest, page: Page, name: string, savedSeconds: number): Promise<void> {
  await page.keyboard.press('Enter')
  const focus = await waitForFocus(page, f => f.action === 'resume', `Resume on ${name}'s title screen`)
  t.match(focus.text, /^Resume from \d+:\d\d$/, `${name}: the title screen offers "${focus.text}"`)
  await page.keyboard.press('Enter')
  const playing = await waitForPlayer(page, s => s.currentTime > 0 && !s.paused && s.readyState >= 3, `${name}: resumed playback`, 60_000)
  t.ok(playing.currentTime >= savedSeconds - 2, `${name}: playback resumes near ${savedSeconds.toFixed(1)} s (at ${playing.currentTime.toFixed(1)} s)`)
}

/** From anywhere on the home grid, moves focus to the title at `index` with arrow keys. */
export async function focusTitle (page: Page, index: number, titleId: string): Promise<void> {
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowUp')
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft')
  for (let i = 0; i < Math.floor(index / COLUMNS); i++) await page.keyboard.press('ArrowDown')
  for (let i = 0; i < index % COLUMNS; i++) await page.keyboard.press('ArrowRight')
  await waitForFocus(page, f => f.titleId === titleId, `title ${index} (${titleId})`, 5000)
}

/** Enter on the focused title, Enter on Play; returns once the video plays past 5 s. */
export async function playFocusedTitle (t: TapTest, page: Page, name: string): Promise<void> {
  await page.keyboard.press('Enter')
  await waitForFocus(page, f => f.action === 'play' || f.action === 'resume', `Play on ${name}'s title screen`)
  await page.keyboard.press('Enter')
  const playing = await waitForPlayer(page, s => s.currentTime > 5 && !s.paused, `${name}: playback past 5 s`, 90_000)
  t.ok(playing.currentTime > 5, `${name}: currentTime passes 5 s (${playing.currentTime.toFixed(2)})`)
  t.same(playing.hlsFatal, [], `${name}: no fatal hls.js error`)
  t.equal(playing.problem, null, `${name}: no problem on screen`)
}

/** ArrowRight seeks +10 s; playback resumes after the new position. */
export async function seekForwardWithRemote (t: TapTest, page: Page, name: string): Promise<void> {
  const before = await waitForPlayer(page, s => s.currentTime > 0, 'a position before seeking')
  await page.keyboard.press('ArrowRight')
  const target = before.currentTime + 10
  const landed = await waitForPlayer(page, s => s.currentTime >= target - 0.5 && s.readyState >= 3 && !s.paused, `${name}: the seek to ${target.toFixed(1)} s`, 60_000)
  t.ok(landed.currentTime >= target - 0.5, `${name}: ArrowRight moved from ${before.currentTime.toFixed(2)} s to ${landed.currentTime.toFixed(2)} s`)
  const later = await waitForPlayer(page, s => s.currentTime > landed.currentTime + 1, `${name}: playback after the seek`, 60_000)
  t.ok(later.currentTime > landed.currentTime + 1, `${name}: playback resumes at the new position (${later.currentTime.toFixed(2)} s)`)
  t.same(later.hlsFatal, [], `${name}: still no fatal hls.js error`)
}

/** Back from the player: the home screen with focus on the title just played. */
export async function backToHome (t: TapTest, page: Page, key: 'Backspace' | 'Escape', titleId: string): Promise<void> {
  await page.keyboard.press(key)
  const focus = await waitForFocus(page, f => f.titleId !== null, `the home screen after ${key}`)
  t.equal(new URL(page.url()).pathname, '/', `${key} returns home`)
  t.equal(focus.titleId, titleId, 'focus comes back to the title just played')
}

/** The full remote-control journey for one title, with a screenshot of the player. */
export async function playThroughWithRemote (t: TapTest, page: Page, opts: { index: number, titleId: string, name: string, backKey: 'Backspace' | 'Escape', screenshotName?: string }): Promise<void> {
  await focusTitle(page, opts.index, opts.titleId)
  await playFocusedTitle(t, page, opts.name)
  await seekForwardWithRemote(t, page, opts.name)
  await page.keyboard.press('ArrowUp')
  await page.waitForSelector('.info-panel dl', { timeout: 10_000 })
  t.match(await screenText(page), /Peers/, `${opts.name}: ArrowUp shows the info panel`)
  if (opts.screenshotName !== undefined) t.comment(`screenshot: ${await screenshot(page, opts.screenshotName)}`)
  await page.keyboard.press('ArrowUp')
  await backToHome(t, page, opts.backKey, opts.titleId)
}

/** A title that cannot play: its message is on screen, and Back leads home where the rest still works. */
export async function expectProblemOnScreen (t: TapTest, page: Page, opts: { index: number, titleId: string, message: RegExp, screenshotName?: string }): Promise<void> {
  await focusTitle(page, opts.index, opts.titleId)
  await page.keyboard.press('Enter')
  await page.waitForSelector('.problem', { timeout: 30_000 })
  const text = await screenText(page)
  t.match(text, opts.message, `the title screen explains: ${text.slice(0, 200)}`)
  t.equal(await page.$('[data-action="play"]'), null, 'no Play button for a title that cannot play')
  if (opts.screenshotName !== undefined) t.comment(`screenshot: ${await screenshot(page, opts.screenshotName)}`)
  const focus = await focused(page)
  t.equal(focus?.action, 'back', 'focus is on Back')
  await page.keyboard.press('Escape')
  const home = await waitForFocus(page, f => f.titleId !== null, 'home after the problem')
  t.equal(home.titleId, opts.titleId, 'back home, on the same title')
}

/** The title's saved position once the player's last save (sent as it closes) has landed. */
export async function waitForSavedPosition (baseUrl: string, titleId: string, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await fetch(`${baseUrl}/api/titles/${titleId}`, { signal: AbortSignal.timeout(5000) })
    const seconds = res.ok ? ((await res.json()) as { lastPositionSeconds: number }).lastPositionSeconds : 0
    if (seconds > 0 || Date.now() > deadline) return seconds
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
