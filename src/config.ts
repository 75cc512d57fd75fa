/**
 * The daemon's typed configuration. Sources, strongest first: command-line flags, the JSON
 * config file (`--config FILE`), `REEL_*` environment variables, built-in defaults.
 * `resolveConfig` is pure (argv, env and file reading are passed in); every bad key or value
 * becomes a ConfigError that names the key, its source and the form it expects.
 */
import { parseArgs } from 'node:util'
import { ConfigError } from './errors.js'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface ReelConfig {
  /** Root of the daemon's state: torrent data, resume state, caches. */
  dataDir: string
  http: { host: string, port: number }
  torrent: {
    host: string
    port: number
    dht: boolean
    lsd: boolean
    upnp: boolean
    maxConnections: number
    maxConnectionsPerTorrent: number
    /** Peers over TCP (listener and dialling); off leaves WebRTC as the only transport. */
    tcp: boolean
    webrtc: {
      /** WebRTC peers through the torrents' WebSocket trackers (the WebTorrent transport). */
      enabled: boolean
      /** `stun:host:port` URLs; none means host candidates only (LAN, demo, tests). */
      stunServers: string[]
      /** Local address ICE binds to; every interface when absent. */
      host?: string
      /** UDP ports ICE may use, inclusive; 0 and 0 for any. */
      portMin: number
      portMax: number
    }
  }
  /**
   * Rates in bytes per second, 0 meaning unlimited; `memoryBudget` is the RSS in bytes the
   * daemon aims to stay under (stream readahead shrinks near it).
   */
  limits: { uploadRate: number, downloadRate: number, memoryBudget: number }
  /** The viewer's sharing budget (src/seeding) drives uploads; off leaves `limits.uploadRate` in force. */
  seeding: { enabled: boolean }
  log: { level: LogLevel }
  /** HLS packaging: segment cache limit (bytes), idle ffmpeg session timeout (ms), tool paths. */
  hls: { cacheLimitBytes: number, idleSessionMs: number, ffmpegPath: string, ffprobePath: string }
}

export interface ResolveConfigInput {
  /** Daemon flags only (no command name), e.g. `['--port', '0', '--no-dht']`. */
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  /** Reads the config file named by `--config`; only called when the flag is given. */
  readFile: (path: string) => string
  /** Whether the process runs as root (picks the default data dir); read from the process when absent. */
  isRoot?: boolean
  /** Replaces the built-in defaults (`reel demo` has its own data dir and a free peer port). */
  defaults?: ReelConfig
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

type Kind = 'port' | 'count' | 'rate' | 'bool' | 'text' | 'level' | 'list'

interface Field {
  /** Dotted key in the config file and in error messages. */
  key: string
  kind: Kind
  env?: string
  /** Flag taking a value (`--port N`). */
  flag?: string
  /** Flag that turns a boolean off (`--no-dht`). */
  offFlag?: string
}

const FIELDS: readonly Field[] = [
  { key: 'dataDir', kind: 'text', env: 'REEL_DATA_DIR', flag: 'data-dir' },
  { key: 'http.host', kind: 'text', env: 'REEL_HTTP_HOST', flag: 'host' },
  { key: 'http.port', kind: 'port', env: 'REEL_HTTP_PORT', flag: 'port' },
  { key: 'torrent.host', kind: 'text', env: 'REEL_TORRENT_HOST' },
  { key: 'torrent.port', kind: 'port', env: 'REEL_TORRENT_PORT', flag: 'torrent-port' },
  { key: 'torrent.dht', kind: 'bool', env: 'REEL_DHT', offFlag: 'no-dht' },
  { key: 'torrent.lsd', kind: 'bool', env: 'REEL_LSD', offFlag: 'no-lsd' },
  { key: 'torrent.upnp', kind: 'bool', env: 'REEL_UPNP', offFlag: 'no-upnp' },
  { key: 'torrent.maxConnections', kind: 'count', env: 'REEL_MAX_CONNECTIONS' },
  { key: 'torrent.maxConnectionsPerTorrent', kind: 'count', env: 'REEL_MAX_CONNECTIONS_PER_TORRENT' },
  { key: 'torrent.tcp', kind: 'bool', env: 'REEL_TCP', offFlag: 'no-tcp' },
  { key: 'torrent.webrtc.enabled', kind: 'bool', env: 'REEL_WEBRTC', offFlag: 'no-webrtc' },
  { key: 'torrent.webrtc.stunServers', kind: 'list', env: 'REEL_STUN_SERVERS', flag: 'stun-servers' },
  { key: 'torrent.webrtc.host', kind: 'text', env: 'REEL_WEBRTC_HOST' },
  { key: 'torrent.webrtc.portMin', kind: 'port', env: 'REEL_WEBRTC_PORT_MIN' },
  { key: 'torrent.webrtc.portMax', kind: 'port', env: 'REEL_WEBRTC_PORT_MAX' },
  { key: 'limits.uploadRate', kind: 'rate', env: 'REEL_UPLOAD_RATE' },
  { key: 'limits.downloadRate', kind: 'rate', env: 'REEL_DOWNLOAD_RATE' },
  { key: 'limits.memoryBudget', kind: 'count', env: 'REEL_MEMORY_BUDGET' },
  { key: 'seeding.enabled', kind: 'bool', env: 'REEL_SEEDING' },
  { key: 'log.level', kind: 'level', env: 'REEL_LOG_LEVEL', flag: 'log-level' },
  { key: 'hls.cacheLimitBytes', kind: 'count', env: 'REEL_HLS_CACHE_LIMIT_BYTES' },
  { key: 'hls.idleSessionMs', kind: 'count', env: 'REEL_HLS_IDLE_SESSION_MS' },
  { key: 'hls.ffmpegPath', kind: 'text', env: 'REEL_FFMPEG' },
  { key: 'hls.ffprobePath', kind: 'text', env: 'REEL_FFPROBE' }
]

const EXPECTED: Record<Kind, string> = {
  port: 'an integer from 0 to 65535 (0 picks a free port)',
  count: 'a positive integer',
  rate: 'a whole number of bytes per second, 0 for unlimited',
  bool: 'true or false (env: 1/0, true/false, yes/no, on/off)',
  text: 'a non-empty string',
  level: `one of ${LOG_LEVELS.join(', ')}`,
  list: 'a list of stun:host:port URLs (a JSON array in the file, comma-separated in flags and env, empty for none)'
}

/** The data dir when nothing sets one: `/var/lib/reel` for root, else under the user's home. */
export function defaultDataDir (env: ResolveConfigInput['env'], isRoot: boolean): string {
  if (isRoot) return '/var/lib/reel'
  const home = env.HOME
  return home === undefined || home === '' ? '/var/lib/reel' : `${home.replace(/\/+$/, '')}/.local/share/reel`
}

/** Built-in defaults. */
export function defaultConfig (env: ResolveConfigInput['env'] = {}, isRoot = true): ReelConfig {
  return {
    dataDir: defaultDataDir(env, isRoot),
    http: { host: '127.0.0.1', port: 8080 },
    torrent: {
      host: '0.0.0.0',
      port: 6881,
      dht: true,
      lsd: true,
      upnp: true,
      maxConnections: 200,
      maxConnectionsPerTorrent: 60,
      tcp: true,
      webrtc: {
        enabled: true,
        // Public STUN servers, as browsers' WebTorrent uses: boxes behind NATs need them to meet.
        stunServers: ['stun:stun.l.google.com:19302', 'stun:global.stun.twilio.com:3478'],
        portMin: 0,
        portMax: 0
      }
    },
    limits: { uploadRate: 0, downloadRate: 0, memoryBudget: 192 * 1024 * 1024 },
    seeding: { enabled: true },
    log: { level: 'info' },
    hls: { cacheLimitBytes: 1024 * 1024 * 1024, idleSessionMs: 60_000, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' }
  }
}

/** Resolves flags > config file > env > defaults into one validated config. Throws ConfigError. */
export function resolveConfig (input: ResolveConfigInput): ReelConfig {
  const isRoot = input.isRoot ?? (typeof process.getuid === 'function' && process.getuid() === 0)
  const config = structuredClone(input.defaults ?? defaultConfig(input.env, isRoot))
  const flags = parseDaemonFlags(input.argv)

  for (const field of FIELDS) {
    const raw = field.env === undefined ? undefined : input.env[field.env]
    if (raw !== undefined && raw !== '') setKey(config, field.key, parseText(field, raw, `environment variable ${field.env}`))
  }

  const file = flags.config ?? nonEmpty(input.env.REEL_CONFIG)
  if (file !== undefined) applyFile(config, file, input.readFile)

  for (const field of FIELDS) {
    if (field.flag !== undefined) {
      const raw = flags.values[field.flag]
      if (raw !== undefined) setKey(config, field.key, parseText(field, raw, `flag --${field.flag}`))
    }
    if (field.offFlag !== undefined && flags.off.has(field.offFlag)) setKey(config, field.key, false)
  }
  return config
}

interface DaemonFlags { config?: string, values: Record<string, string>, off: Set<string> }

/** The flags `reel daemon` (and `reel demo`) accept, in `--name value` or `--name=value` form. */
export const DAEMON_FLAGS = ['config', ...FIELDS.flatMap(f => [f.flag, f.offFlag].filter((x): x is string => x !== undefined))]

function parseDaemonFlags (argv: readonly string[]): DaemonFlags {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' } }
  for (const field of FIELDS) {
    if (field.flag !== undefined) options[field.flag] = { type: 'string' }
    if (field.offFlag !== undefined) options[field.offFlag] = { type: 'boolean' }
  }
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false })
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Known flags: ${DAEMON_FLAGS.map(f => '--' + f).join(' ')}`, { cause: err })
  }
  const values: Record<string, string> = {}
  const off = new Set<string>()
  let config: string | undefined
  for (const [name, value] of Object.entries(parsed.values)) {
    if (name === 'config' && typeof value === 'string') config = value
    else if (typeof value === 'string') values[name] = value
    else if (value === true) off.add(name)
  }
  return config === undefined ? { values, off } : { config, values, off }
}

function applyFile (config: ReelConfig, path: string, readFile: (path: string) => string): void {
  let text: string
  try {
    text = readFile(path)
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`, { cause: err })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  if (!isPlainObject(json)) throw new ConfigError(`config file ${path} must hold a JSON object, like {"http": {"port": 8080}}`)
  walk(json, '')

  function walk (node: Record<string, unknown>, prefix: string): void {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix + name
      const field = FIELDS.find(f => f.key === key)
      if (field !== undefined) {
        setKey(config, key, parseJson(field, value, `config file ${path}`))
      } else if (FIELDS.some(f => f.key.startsWith(key + '.'))) {
        if (!isPlainObject(value)) throw new ConfigError(`"${key}" in config file ${path} must be an object with keys ${childKeys(key)}`)
        walk(value, key + '.')
      } else {
        throw new ConfigError(`unknown key "${key}" in config file ${path}; known keys: ${FIELDS.map(f => f.key).join(', ')}`)
      }
    }
  }
}

function childKeys (prefix: string): string {
  return FIELDS.filter(f => f.key.startsWith(prefix + '.')).map(f => f.key.slice(prefix.length + 1)).join(', ')
}

type Value = string | number | boolean | string[]

function parseText (field: Field, raw: string, source: string): Value {
  const text = raw.trim()
  switch (field.kind) {
    case 'bool': {
      const lower = text.toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(lower)) return true
      if (['0', 'false', 'no', 'off'].includes(lower)) return false
      throw bad(field, raw, source)
    }
    case 'port': case 'count': case 'rate':
      if (!/^\d+$/.test(text)) throw bad(field, raw, source)
      return checkNumber(field, Number(text), raw, source)
    case 'text': case 'level':
      return checkString(field, text, raw, source)
    case 'list':
      return checkList(field, text === '' ? [] : text.split(',').map(item => item.trim()), raw, source)
  }
}

function parseJson (field: Field, value: unknown, source: string): Value {
  switch (field.kind) {
    case 'bool':
      if (typeof value !== 'boolean') throw bad(field, value, source)
      return value
    case 'port': case 'count': case 'rate':
      if (typeof value !== 'number') throw bad(field, value, source)
      return checkNumber(field, value, value, source)
    case 'text': case 'level':
      if (typeof value !== 'string') throw bad(field, value, source)
      return checkString(field, value, value, source)
    case 'list':
      if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) throw bad(field, value, source)
      return checkList(field, value, value, source)
  }
}

function checkList (field: Field, items: string[], raw: unknown, source: string): string[] {
  if (!items.every(item => /^stuns?:[^\s:/]+(:\d{1,5})?$/.test(item))) throw bad(field, raw, source)
  return items
}

function checkNumber (field: Field, n: number, raw: unknown, source: string): number {
  const ok = Number.isSafeInteger(n) && n >= 0 &&
    (field.kind !== 'port' || n <= 65535) && (field.kind !== 'count' || n >= 1)
  if (!ok) throw bad(field, raw, source)
  return n
}

function checkString (field: Field, text: string, raw: unknown, source: string): string {
  if (text === '') throw bad(field, raw, source)
  if (field.kind === 'level' && !(LOG_LEVELS as readonly string[]).includes(text)) throw bad(field, raw, source)
  return text
}

function bad (field: Field, raw: unknown, source: string): ConfigError {
  return new ConfigError(`"${field.key}" from ${source} must be ${EXPECTED[field.kind]}; got ${JSON.stringify(raw)}`)
}

function setKey (config: ReelConfig, key: string, value: Value): void {
  const parts = key.split('.')
  let node = config as unknown as Record<string, unknown>
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>
  node[parts[parts.length - 1] as string] = value
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
