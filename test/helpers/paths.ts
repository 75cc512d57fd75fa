/**
 * Locations in the checkout and the node flags that let a child process run
 * TypeScript sources. Works the same from `test/helpers/*.ts` under tap and
 * from the compiled `dist/test/helpers/*.js` that the bench imports.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/** The checkout: the nearest ancestor whose package.json is named "reel". */
export function repoRoot(): string {
  if (root !== undefined) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name
        if (name === 'reel') return (root = dir)
      } catch {
        // not ours, keep climbing
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error('cannot find the Reel checkout above ' + fileURLToPath(import.meta.url))
    dir = up
  }
}

export const PYTHON = process.env['REEL_TEST_PYTHON'] ?? '/usr/bin/python3'

export function peerScript(name: 'lt_peer.py' | 'wt_peer.mjs'): string {
  return join(repoRoot(), 'scripts', 'peers', name)
}

/**
 * Node flags for a child that runs `.ts` files. Under tap 21 the test process
 * was started with `--import=…/@tapjs/typescript/…/import.mjs` (which loads
 * ts-node's ESM hooks, in transpile-only mode through TS_NODE_TRANSPILE_ONLY):
 * those flags are passed through. Anywhere else the same hook is resolved from
 * node_modules. `tsChildEnv()` supplies the environment that goes with it.
 */
export function tsNodeArgs(): string[] {
  const fromTap = process.execArgv.filter(a => /@tapjs[/\\]typescript|ts-node/.test(a))
  if (fromTap.length > 0) {
    return [...fromTap, ...(process.execArgv.includes('--enable-source-maps') ? ['--enable-source-maps'] : [])]
  }
  const hook = import.meta.resolve('@tapjs/typescript/import')
  return [`--import=${hook}`, '--enable-source-maps']
}

/** Environment for `tsNodeArgs()`: transpile only (types are checked by `tsc`, not at spawn). */
export function tsChildEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', ...extra }
}
