#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --no-experimental-fetch
/** The `reel` executable (package.json `bin`); the commands live in ./index.ts. */
import { runCli } from './index.js'

const code = await runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr })
// Engines and sockets are stopped by now; exit so a stray timer cannot keep the process alive.
process.exit(code)
