/**
 * Debian's Chromium driven by playwright-core, for the player UI's end-to-end tests and the
 * bench: launch with the flags that work here as root, remote-control key presses, what the
 * player is doing, screenshots into test/artifacts/ (gitignored), and the time from Enter on
 * a title to the first `playing` event. The browser is closed on teardown.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { repoRoot } from './paths.js'
import type { Teardown } from './scope.js'

/**
 * The few page globals the functions evaluated in the page use: the root tsconfig compiles
 * for Node without the DOM lib, so they are typed here, just enough.
 */
interface PageElement {
  dataset: Record<string, string | undefined>
  textContent: string | null
  focus (): void
}
interface PageVideo extends PageElement { currentTime: number, paused: boolean, readyState: number }
interface StartupRecord { keys: number[], playing?: number }
interface PageGlobals {
  document: {
    activeElement: PageElement | null
    body: PageElement & { innerText: string }
    querySelector (selector: string): PageElement | null
    addEventListener (type: string, listener: () => void, options: { capture: boolean }): void
  }
  location: { pathname: string }
  CSS: { escape (text: string): string }
  performance: { now (): number }
  addEventListener (type: string, listener: (event: { key: string }) => void, options: { capture: boolean }): void
  __reel?: { hlsFatal: string[] }
  __startup?: StartupRecord
}

export const CHROMIUM_PATH = process.env['REEL_TEST_CHROMIUM'] ?? '/usr/bin/chromium'

/** Flags measured to work here as root (shared/MEDIA-NOTES.md); playwright adds --headless and a fresh --user-data-dir. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'
]

export interface TvBrowser {
  browser: Browser
  /** A 1920×1080 page, like the TV's. */
  newPage (): Promise<Page>
  close (): Promise<void>
}

/** Launches headless Chromium; it is closed on `scope`'s teardown. */
export async function launchBrowser (scope: Teardown): Promise<TvBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
    timeout: 30_000
  })
  let closed: Promise<void> | undefined
  const close = async (): Promise<void> => { closed ??= browser.close(); await closed }
  scope.teardown(close)
  return {
    browser,
    async newPage () {
      const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
      return await context.newPage()
    },
    close
  }
}

/** Saves a PNG of the page as test/artifacts/<name>.png and returns its path. */
export async function screenshot (page: Page, name: string): Promise<string> {
  const dir = join(repoRoot(), 'test', 'artifacts')
  await mkdir(dir, { recursive: true })
  const path = join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`)
  await page.screenshot({ path })
  return path
}

/** What the focused element is, in the UI's own terms. */
export interface FocusInfo { titleId: string | null, action: string | null, text: string }

export async function focused (page: Page): Promise<FocusInfo | null> {
  return await page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals
    const el = document.activeElement
    if (el === null || el === document.body) return null
    return { titleId: el.dataset['titleId'] ?? null, action: el.dataset['action'] ?? null, text: (el.textContent ?? '').trim() }
  })
}

/** Waits until the focused element satisfies `accept`; throws with what is focused after `timeoutMs`. */
export async function waitForFocus (page: Page, accept: (f: FocusInfo) => boolean, what: string, timeoutMs = 15_000): Promise<FocusInfo> {
  const deadline = Date.now() + timeoutMs
  let last: FocusInfo | null = null
  while (Date.now() < deadline) {
    last = await focused(page)
    if (last !== null && accept(last)) return last
    await page.waitForTimeout(50)
  }
  throw new Error(`focus never reached ${what}; focused: ${JSON.stringify(last)}; on screen: ${(await screenText(page)).slice(0, 400)}`)
}

/** The page's visible text, for failure messages. */
export async function screenText (page: Page): Promise<string> {
  return await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.innerText.replace(/\s+/g, ' ').trim())
}

export interface PlayerSnapshot {
  path: string
  currentTime: number
  paused: boolean
  readyState: number
  /** Fatal hls.js errors the UI recorded (`type/details`). */
  hlsFatal: string[]
  /** The on-screen problem, if any. */
  problem: string | null
  /** The spinner's reason, if it spins. */
  waitingFor: string | null
}

export async function playerSnapshot (page: Page): Promise<PlayerSnapshot> {
  return await page.evaluate(() => {
    const { document, location, __reel: diag } = globalThis as unknown as PageGlobals
    const video = document.querySelector('video') as PageVideo | null
    return {
      path: location.pathname,
      currentTime: video?.currentTime ?? -1,
      paused: video?.paused ?? true,
      readyState: video?.readyState ?? 0,
      hlsFatal: diag?.hlsFatal ?? [],
      problem: document.querySelector('.problem')?.textContent ?? null,
      waitingFor: document.querySelector('.spinner__reason')?.textContent ?? null
    }
  })
}

/** Polls the player until `accept` holds; throws with the last snapshot after `timeoutMs`. */
export async function waitForPlayer (page: Page, accept: (s: PlayerSnapshot) => boolean, what: string, timeoutMs = 60_000): Promise<PlayerSnapshot> {
  const deadline = Date.now() + timeoutMs
  let last = await playerSnapshot(page)
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms; player: ${JSON.stringify(last)}`)
    if (last.hlsFatal.length > 0 || last.problem !== null) throw new Error(`${what}: playback failed: ${JSON.stringify(last)}`)
    await page.waitForTimeout(100)
    last = await playerSnapshot(page)
  }
  return last
}

export interface StartupTiming {
  /** From the key press of Enter on the title (home) to the first `playing` event. */
  titleEnterToPlayingMs: number
  /** From Enter on Play (title screen) to the first `playing` event. */
  playEnterToPlayingMs: number
}

/**
 * With the home screen open, focuses the title `titleId` (by its card), presses Enter, then
 * Enter on Play, and measures in the page (performance.now) how long until the first
 * `playing` event. The two key presses follow each other as soon as Play has focus.
 */
export async function measureEnterToPlaying (page: Page, titleId: string, opts: { timeoutMs?: number } = {}): Promise<StartupTiming> {
  await page.evaluate(id => {
    const page = globalThis as unknown as PageGlobals
    const record: StartupRecord = { keys: [] }
    page.__startup = record
    page.addEventListener('keydown', e => { if (e.key === 'Enter') record.keys.push(page.performance.now()) }, { capture: true })
    // Media events do not bubble, but a capturing listener on the document sees them.
    page.document.addEventListener('playing', () => { record.playing ??= page.performance.now() }, { capture: true })
    page.document.querySelector(`[data-title-id="${page.CSS.escape(id)}"]`)?.focus()
  }, titleId)
  await waitForFocus(page, f => f.titleId === titleId, `the title ${titleId}`)
  await page.keyboard.press('Enter')
  await waitForFocus(page, f => f.action === 'play' || f.action === 'resume', 'Play on the title screen')
  await page.keyboard.press('Enter')
  const handle = await page.waitForFunction(() => {
    const s = (globalThis as unknown as PageGlobals).__startup
    return s?.playing !== undefined && s.keys.length >= 2 ? { title: s.playing - (s.keys[0] ?? 0), play: s.playing - (s.keys[1] ?? 0) } : false
  }, undefined, { timeout: opts.timeoutMs ?? 60_000, polling: 50 })
  const { title, play } = await handle.jsonValue() as { title: number, play: number }
  return { titleEnterToPlayingMs: Math.round(title), playEnterToPlayingMs: Math.round(play) }
}
