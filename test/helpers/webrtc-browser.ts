/**
 * Debian's Chromium, driven by playwright-core, running inside a network namespace: a
 * browser's WebRTC gathers every address of the machine it runs on, so the WebRTC browser
 * test gives it a namespace with nothing but loopback and the test's own veth. Playwright
 * launches a wrapper that `ip netns exec`s Chromium; its control pipe (fds 3 and 4) passes
 * through. The browser is closed on teardown.
 */
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { tempDir } from './fixtures.js'
import type { Teardown } from './scope.js'

export const CHROMIUM = process.env['REEL_TEST_CHROMIUM'] ?? '/usr/bin/chromium'

export interface NamespacedBrowserOptions {
  netns: string
  /** Origins (e.g. `http://10.231.7.1:8080`) the page may treat as secure (storage APIs need it). */
  secureOrigins?: string[]
}

export async function launchBrowserInNetns (scope: Teardown, opts: NamespacedBrowserOptions): Promise<Browser> {
  const dir = await tempDir(scope, 'reel-chromium-')
  const wrapper = join(dir, 'chromium-in-netns.sh')
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${opts.netns}' '${CHROMIUM}' "$@"\n`)
  await chmod(wrapper, 0o755)
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    // Plain IP host candidates, not mDNS names that node-datachannel cannot resolve.
    '--disable-features=WebRtcHideLocalIpsWithMdns'
  ]
  if (opts.secureOrigins !== undefined && opts.secureOrigins.length > 0) args.push(`--unsafely-treat-insecure-origin-as-secure=${opts.secureOrigins.join(',')}`)
  const browser = await chromium.launch({ executablePath: wrapper, headless: true, chromiumSandbox: false, args, timeout: 30_000 })
  scope.teardown(async () => { await browser.close().catch(() => {}) })
  return browser
}
