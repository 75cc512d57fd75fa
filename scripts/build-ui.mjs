#!/usr/bin/env node
/**
 * Bundles the player UI (player-ui/src) with esbuild into dist/player-ui/: index.html, app.js
 * and app.css, minified, one request each. Types are checked separately
 * (`tsc -p player-ui/tsconfig.json`); this stays fast. `--sizes` prints each file's bytes and gzip bytes.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist', 'player-ui')

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reel</title>
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body><div id="app"></div></body>
</html>
`

async function main () {
  const started = Date.now()
  await rm(out, { recursive: true, force: true })
  await mkdir(out, { recursive: true })
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'player-ui/src/main.tsx' },
    outdir: out,
    bundle: true,
    minify: true,
    format: 'esm',
    // Chromium on the box and WPE's cog are both recent; no syntax lowering needed beyond this.
    target: ['chrome100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: 'player-ui/tsconfig.json',
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' }
  })
  // The CSS is imported by nobody: bundle it as its own entry.
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'player-ui/src/app.css' },
    outdir: out,
    bundle: true,
    minify: true,
    logLevel: 'warning'
  })
  await writeFile(join(out, 'index.html'), INDEX_HTML)
  const ms = Date.now() - started
  if (process.argv.includes('--sizes')) {
    let raw = 0
    let gz = 0
    for (const name of ['index.html', 'app.js', 'app.css']) {
      const bytes = await readFile(join(out, name))
      const zipped = gzipSync(bytes, { level: 9 }).length
      raw += bytes.length
      gz += zipped
      console.log(`${name.padEnd(10)} ${String(bytes.length).padStart(8)} B  ${String(zipped).padStart(7)} B gzip`)
    }
    console.log(`${'total'.padEnd(10)} ${String(raw).padStart(8)} B  ${String(gz).padStart(7)} B gzip`)
  }
  console.log(`player UI built into ${out} in ${ms} ms`)
}

main().catch(err => {
  console.error(err)
  process.exitCode = 1
})
