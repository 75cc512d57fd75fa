/**
 * The command line's shape: which command runs, and the flags of the HTTP client commands.
 * Daemon flags are parsed by resolveConfig (src/config.ts), so they stay in one place.
 */
import { parseArgs } from 'node:util'
import { UsageError } from '../errors.js'

export type CommandName = 'daemon' | 'demo' | 'add' | 'status' | 'help' | 'version'

export interface Command {
  name: CommandName
  /** Everything after the command name. */
  argv: string[]
}

export const USAGE = `Usage: reel <command> [options]

Commands:
  reel daemon [--config FILE] [--data-dir DIR] [--port N] [--torrent-port N]
              [--host ADDR] [--log-level LEVEL] [--no-dht] [--no-lsd] [--no-upnp]
      Run the box's daemon: torrent engine and HTTP API. Logs one JSON line
      with "msg":"listening" and the URL when ready; SIGINT/SIGTERM stop it.
  reel demo [daemon options]
      Make a test clip with ffmpeg, serve it from a local tracker and two local
      seeders, start the daemon on it and print the stream URL. Ctrl-C stops all.
  reel add <file.torrent | magnet:?...> [--url URL] [--json]
      Add a torrent to a running daemon.
  reel status [INFOHASH] [--url URL] [--json]
      Show the daemon's torrents (or one of them).
  reel help | reel --help          This text.
  reel version | reel --version    The version.

The daemon's options come from flags, then the JSON config file (--config),
then REEL_* environment variables (REEL_DATA_DIR, REEL_HTTP_PORT, ...), then
defaults. URL defaults to $REEL_URL or http://127.0.0.1:$REEL_HTTP_PORT (8080).
`

const COMMANDS: readonly CommandName[] = ['daemon', 'demo', 'add', 'status', 'help', 'version']

/** Picks the command from argv (without `node` and the script). Throws UsageError. */
export function parseCommand (argv: readonly string[]): Command {
  const [first, ...rest] = argv
  if (first === undefined || first === '--help' || first === '-h') return { name: 'help', argv: [] }
  if (first === '--version' || first === '-v') return { name: 'version', argv: [] }
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw new UsageError(`unknown command "${first}"; commands are ${COMMANDS.join(', ')} (reel help)`)
  }
  return { name: first as CommandName, argv: rest }
}

export interface ClientArgs {
  /** Base URL of the daemon's HTTP API, without a trailing slash. */
  url: string
  json: boolean
  positionals: string[]
}

/** Flags of `reel add` and `reel status`. Throws UsageError. */
export function parseClientArgs (argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ClientArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { url: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: true
    })
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (reel help)`, { cause: err })
  }
  const url = parsed.values.url ?? defaultDaemonUrl(env)
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url must be an http:// URL like http://127.0.0.1:8080; got "${url}"`)
  return { url: url.replace(/\/+$/, ''), json: parsed.values.json === true, positionals: parsed.positionals }
}

/** `$REEL_URL`, else the local daemon on `$REEL_HTTP_PORT` (8080). */
export function defaultDaemonUrl (env: Readonly<Record<string, string | undefined>>): string {
  const url = env.REEL_URL
  if (url !== undefined && url !== '') return url
  const port = env.REEL_HTTP_PORT
  return `http://127.0.0.1:${port !== undefined && /^\d+$/.test(port) ? port : '8080'}`
}
