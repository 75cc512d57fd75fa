/**
 * Issue 5, must-show 6: the sharing settings screen in Chromium against a real daemon
 * (src/cli/main.ts), key presses only. ▲ from the first title reaches Settings; ◀ ▶ walk the
 * idle upload rate and the box saves it (read back through `GET /api/settings`); OK pauses
 * sharing, which the API and the screen then show; a refused change shows the box's message
 * and the saved value; Back returns home on Settings. Needs `node scripts/build-ui.mjs`.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import t from 'tap'
import { launchBrowser, screenshot, screenText, waitForFocus } from '../helpers/browser.js'
import { makeTorrentFixture } from '../helpers/fixtures.js'
import { repoRoot } from '../helpers/paths.js'
import { startReelDaemon, type ReelDaemon } from '../helpers/reel.js'
import type { Sharing } from '../../player-ui/src/api.js'
import { allowanceText } from '../../player-ui/src/sharing/allowance-text.js'
import { LADDERS, pressOn, stepFrom } from '../../player-ui/src/sharing/budget-ladders.js'

const built = existsSync(join(repoRoot(), 'dist', 'player-ui', 'app.js'))
const MiB = 1024 * 1024

interface Budget { idleRate: number | null, watchingRate: number | null, monthlyCap: number | null, paused: boolean, windows: unknown[] }
interface SharingView { allowance: { reason: string }, budget: Budget }

/** Just the page globals the evaluated functions read (the root tsconfig has no DOM lib). */
interface PageGlobals {
  document: {
    activeElement: { dataset: Record<string, string | undefined>, querySelector (s: string): { textContent: string | null } | null } | null
    querySelector (selector: string): { textContent: string | null, dataset: Record<string, string | undefined> } | null
  }
}

async function getJson<T> (daemon: ReelDaemon, path: string): Promise<T> {
  const res = await daemon.api.fetch(path, { signal: AbortSignal.timeout(10_000) })
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`)
  return await res.json() as T
}

/** Polls `GET /api/settings` until `accept` holds; returns the last budget either way. */
async function budgetWhen (daemon: ReelDaemon, accept: (b: Budget) => boolean, timeoutMs = 10_000): Promise<Budget> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const budget = await getJson<Budget>(daemon, '/api/settings')
    if (accept(budget) || Date.now() > deadline) return budget
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** The focused settings row and the value it shows. */
async function focusedRow (page: Page): Promise<{ setting: string | null, value: string | null }> {
  return await page.evaluate(() => {
    const el = (globalThis as unknown as PageGlobals).document.activeElement
    return { setting: el?.dataset['setting'] ?? null, value: el?.querySelector('[data-testid="value"]')?.textContent ?? null }
  })
}

/** Waits until the focused row is `setting` showing `value` and the status line says `state`. */
async function waitForRow (page: Page, setting: string, value: string, state?: 'saving' | 'saved' | 'failed', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let row = await focusedRow(page)
  let status: string | undefined
  for (;;) {
    status = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="save-status"]')?.dataset['state'])
    if (row.setting === setting && row.value === value && (state === undefined || status === state)) return
    if (Date.now() > deadline) throw new Error(`wanted ${setting} = ${value} (${state ?? 'any'}); focused ${JSON.stringify(row)}, status ${status ?? 'none'}; on screen: ${(await screenText(page)).slice(0, 400)}`)
    await page.waitForTimeout(50)
    row = await focusedRow(page)
  }
}

/** A local `HH:MM` `hours` from now, so a window placed there is not in force during the test. */
function clockIn (hours: number): string {
  return `${String((new Date().getHours() + hours) % 24).padStart(2, '0')}:00`
}

t.test('◀ ▶ walk each ladder a step at a time, stop at its ends and leave the ladder from any value', async t => {
  const KiB = 1024
  const GiB = 1024 * MiB
  const rates = LADDERS.idleRate.steps
  const cases: Array<[string, number | null, 1 | -1, number | null]> = [
    ['2 MB/s ▶ is 5 MB/s', 2 * MiB, 1, 5 * MiB],
    ['2 MB/s ◀ is 1 MB/s', 2 * MiB, -1, MiB],
    ['10 MB/s ▶ is Unlimited', 10 * MiB, 1, null],
    ['Unlimited ▶ stays Unlimited (no wrap to Off)', null, 1, null],
    ['Unlimited ◀ is 10 MB/s', null, -1, 10 * MiB],
    ['Off ◀ stays Off', 0, -1, 0],
    ['Off ▶ is 256 KB/s', 0, 1, 256 * KiB],
    ['3 MB/s set through the API ▶ is 5 MB/s', 3 * MiB, 1, 5 * MiB],
    ['3 MB/s set through the API ◀ is 2 MB/s', 3 * MiB, -1, 2 * MiB],
    ['a huge rate ▶ is Unlimited', 50 * MiB, 1, null]
  ]
  for (const [name, from, direction, to] of cases) t.equal(stepFrom(rates, from, direction), to, name)
  t.same(pressOn('monthlyCap', 100 * GiB, 1), { monthlyCap: 250 * GiB }, 'a press on the monthly limit patches only it')
  t.equal(pressOn('monthlyCap', 10 * GiB, -1), undefined, 'a press past the end changes nothing and saves nothing')
  t.same(LADDERS.idleRate.steps.map(LADDERS.idleRate.label), ['Off', '256 KB/s', '512 KB/s', '1 MB/s', '2 MB/s', '5 MB/s', '10 MB/s', 'Unlimited'])
  t.same(LADDERS.monthlyCap.steps.map(LADDERS.monthlyCap.label), ['10 GB', '50 GB', '100 GB', '250 GB', '500 GB', 'No limit'])
  t.equal(LADDERS.watchingRate.label(0), 'Only peers helping the film', 'watching at 0 still answers the film\'s helpers')
})

t.test('the reason line says why uploads are at their level', async t => {
  const view = (allowance: Sharing['allowance']): Sharing => ({ allowance } as Sharing)
  const cases: Array<[Sharing['allowance'], string]> = [
    [{ mode: 'closed', reason: 'paused', rateLimit: 0 }, 'Sharing paused'],
    [{ mode: 'closed', reason: 'cap-reached', rateLimit: 0 }, 'Monthly limit reached: nothing more is shared until the 1st'],
    [{ mode: 'reciprocal', reason: 'watching', rateLimit: 2 * MiB }, 'Watching: sharing only with peers helping this film'],
    [{ mode: 'open', reason: 'watching', rateLimit: 512 * 1024 }, 'Watching: sharing up to 512 KB/s'],
    [{ mode: 'closed', reason: 'watching', rateLimit: 0 }, 'Watching: not sharing'],
    [{ mode: 'open', reason: 'window', rateLimit: null, window: { start: '01:00', end: '07:00' } }, 'Time window 01:00–07:00: sharing without a limit'],
    [{ mode: 'open', reason: 'idle', rateLimit: 2 * MiB }, 'Idle: sharing up to 2 MB/s'],
    [{ mode: 'closed', reason: 'idle', rateLimit: 0 }, 'Idle: not sharing']
  ]
  for (const [allowance, text] of cases) t.equal(allowanceText(view(allowance)), text, `${allowance.reason}/${allowance.mode}`)
})

t.test('the viewer changes the sharing budget with the remote and the box keeps it', { skip: built ? false : 'the player UI is not built: node scripts/build-ui.mjs' }, async t => {
  const daemon = await startReelDaemon(t)
  // Two titles on the box, so Settings is reached from the grid as a viewer would.
  for (const name of ['Holiday notes.txt', 'Recipes.txt']) {
    const fixture = await makeTorrentFixture(t, { files: [{ path: name, length: 64 * 1024 }] })
    await daemon.api.addTorrent(fixture.torrentFile)
  }
  const titles = await getJson<Array<{ id: string }>>(daemon, '/api/titles')
  t.equal(titles.length, 2, 'two titles on the box')

  const defaults = await getJson<Budget>(daemon, '/api/settings')
  t.same({ idleRate: defaults.idleRate, paused: defaults.paused }, { idleRate: 2 * MiB, paused: false }, 'the box starts at its default budget')
  // A time window set from a computer: the screen shows it and does not edit it.
  const window = { start: clockIn(3), end: clockIn(5), rate: null }
  const put = await daemon.api.fetch('/api/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ windows: [window] }) })
  t.equal(put.status, 200, 'a time window is set through the API')

  const tv = await launchBrowser(t)
  const page = await tv.newPage()
  await page.goto(`${daemon.url}/`)
  const first = await waitForFocus(page, f => f.titleId !== null, 'a title on the home screen')
  t.equal(first.titleId, titles[0]?.id, 'focus starts on the first title')

  // ▲ from the first row reaches Settings in the header; OK opens it on its first row.
  await page.keyboard.press('ArrowUp')
  await waitForFocus(page, f => f.action === 'settings', 'Settings in the home header', 5000)
  await page.keyboard.press('Enter')
  await waitForRow(page, 'idleRate', '2 MB/s')
  t.equal(new URL(page.url()).pathname, '/settings', 'the settings screen has its own address')
  t.pass('OK on Settings opens the screen with the idle limit focused at 2 MB/s')
  await page.waitForFunction(() => /^Idle: sharing up to 2 MB\/s$/.test((globalThis as unknown as PageGlobals).document.querySelector('[data-testid="allowance"]')?.textContent ?? ''), undefined, { timeout: 10_000 })
  const shown = await screenText(page)
  t.match(shown, /Today\s*0 B/, 'shared today is on screen')
  t.match(shown, /This month\s*0 B of 100 GB/, 'shared this month and the monthly limit are on screen')
  t.match(shown, /Uploading now\s*0 B\/s/, 'the upload rate is on screen')
  t.match(shown, /Peers served\s*0 now · 0 today/, 'peers served are on screen')
  t.match(shown, new RegExp(`${window.start}–${window.end}: Unlimited`), 'the time window is shown, read-only')

  // ▶ ▶ ◀: 2 → 5 → 10 → 5 MB/s, shown at once and saved once the presses stop.
  await page.keyboard.press('ArrowRight')
  await page.keyboard.press('ArrowRight')
  await waitForRow(page, 'idleRate', '10 MB/s')
  await page.keyboard.press('ArrowLeft')
  await waitForRow(page, 'idleRate', '5 MB/s', 'saved')
  const afterRate = await budgetWhen(daemon, b => b.idleRate === 5 * MiB)
  t.equal(afterRate.idleRate, 5 * MiB, 'GET /api/settings reads back the idle rate set with the remote (5 MiB/s)')
  t.same(afterRate.windows, [window], 'the time window is untouched')
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="allowance"]')?.textContent === 'Idle: sharing up to 5 MB/s', undefined, { timeout: 10_000 })
  t.pass('the reason line follows: "Idle: sharing up to 5 MB/s"')

  // ▼ ▼ ▼ to "Pause sharing"; OK pauses.
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown')
  await waitForRow(page, 'paused', 'Off')
  await page.keyboard.press('Enter')
  await waitForRow(page, 'paused', 'On: nothing is shared', 'saved')
  const paused = await budgetWhen(daemon, b => b.paused)
  t.equal(paused.paused, true, 'GET /api/settings says paused: true')
  t.equal(paused.idleRate, 5 * MiB, 'pausing keeps the idle rate')
  t.equal((await getJson<SharingView>(daemon, '/api/sharing')).allowance.reason, 'paused', 'the box stops sharing: the allowance is "paused"')
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="allowance"]')?.textContent === 'Sharing paused', undefined, { timeout: 10_000 })
  t.pass('the screen says "Sharing paused"')

  // A change the box refuses (a stand-in 400, as the real box answers a bad field): its message
  // is shown and the row goes back to the saved value.
  await page.route('**/api/settings', async route => {
    if (route.request().method() !== 'PUT') { await route.continue(); return }
    await route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: { code: 'REEL_ERR_BAD_REQUEST', message: '"paused" cannot change while the box updates; try again in a minute' } }) })
  })
  await page.keyboard.press('Enter')
  await waitForRow(page, 'paused', 'On: nothing is shared', 'failed')
  t.match(await page.textContent('[data-testid="save-error"]'), /did not take this change: "paused" cannot change/, 'the refusal is on screen in the box\'s words')
  t.equal((await getJson<Budget>(daemon, '/api/settings')).paused, true, 'the box is still paused')
  t.comment(`screenshot: ${await screenshot(page, 'settings-refused')}`)
  await page.unroute('**/api/settings')

  // OK again resumes sharing, for real this time.
  await page.keyboard.press('Enter')
  await waitForRow(page, 'paused', 'Off', 'saved')
  t.equal((await budgetWhen(daemon, b => !b.paused)).paused, false, 'GET /api/settings says paused: false')
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="allowance"]')?.textContent === 'Idle: sharing up to 5 MB/s', undefined, { timeout: 10_000 })
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp')
  await waitForRow(page, 'idleRate', '5 MB/s')
  t.comment(`screenshot: ${await screenshot(page, 'settings')}`)

  // Back: home, with focus on Settings again.
  await page.keyboard.press('Escape')
  await waitForFocus(page, f => f.action === 'settings', 'Settings on the home screen after Back')
  t.equal(new URL(page.url()).pathname, '/', 'Back returns home')
  t.comment(`screenshot: ${await screenshot(page, 'home-settings')}`)
  // And ▼ leads back into the grid.
  await page.keyboard.press('ArrowDown')
  const title = await waitForFocus(page, f => f.titleId !== null, 'a title below Settings', 5000)
  t.ok(titles.some(x => x.id === title.titleId), 'ArrowDown from Settings reaches the titles')
})
