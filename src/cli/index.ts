/**
 * The `reel` command line: picks the command, runs it, and turns a Reel error into
 * `CODE: message` on stderr with exit status 1 (2 for usage errors). `main.ts` is the bin.
 */
import { readFileSync } from 'node:fs'
import { ReelError, UsageError } from '../errors.js'
import { parseCommand, USAGE } from './args.js'
import { runAdd, runStatus } from './client.js'
import { runDaemon, type CliContext } from './daemon.js'
import { runDemo } from './demo.js'

export type { CliContext }

/** Runs one command line; resolves with the process exit status. */
export async function runCli (argv: readonly string[], ctx: CliContext): Promise<number> {
  try {
    const command = parseCommand(argv)
    switch (command.name) {
      case 'daemon': return await runDaemon(command.argv, ctx)
      case 'demo': return await runDemo(command.argv, ctx)
      case 'add': return await runAdd(command.argv, ctx)
      case 'status': return await runStatus(command.argv, ctx)
      case 'help':
        ctx.stdout.write(USAGE)
        return 0
      case 'version':
        ctx.stdout.write(`reel ${version()}\n`)
        return 0
    }
  } catch (err) {
    if (err instanceof ReelError) {
      ctx.stderr.write(`${err.code}: ${err.message}\n`)
      return err instanceof UsageError ? 2 : 1
    }
    ctx.stderr.write(`reel: unexpected failure: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    return 1
  }
}

function version (): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version
    } catch {}
  }
  return 'unknown'
}
