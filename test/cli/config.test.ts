import t from 'tap'
import { defaultConfig, resolveConfig, type ResolveConfigInput } from '../../src/config.js'
import { ConfigError } from '../../src/errors.js'

function resolve (input: Partial<ResolveConfigInput> & { files?: Record<string, string> } = {}): ReturnType<typeof resolveConfig> {
  const files = input.files ?? {}
  return resolveConfig({
    argv: input.argv ?? [],
    env: input.env ?? {},
    isRoot: input.isRoot ?? true,
    readFile: input.readFile ?? (path => {
      const text = files[path]
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' })
      return text
    })
  })
}

t.test('defaults are the documented ones', async t => {
  t.same(resolve(), {
    dataDir: '/var/lib/reel',
    http: { host: '127.0.0.1', port: 8080 },
    torrent: {
      host: '0.0.0.0', port: 6881, dht: true, lsd: true, upnp: true, maxConnections: 200, maxConnectionsPerTorrent: 60,
      tcp: true,
      webrtc: { enabled: true, stunServers: ['stun:stun.l.google.com:19302', 'stun:global.stun.twilio.com:3478'], portMin: 0, portMax: 0 }
    },
    limits: { uploadRate: 0, downloadRate: 0, memoryBudget: 192 * 1024 * 1024 },
    seeding: { enabled: true },
    log: { level: 'info' },
    hls: { cacheLimitBytes: 1024 * 1024 * 1024, idleSessionMs: 60_000, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' }
  })
})

t.test('a user who is not root gets a data dir under their home', async t => {
  t.equal(resolve({ isRoot: false, env: { HOME: '/home/ann' } }).dataDir, '/home/ann/.local/share/reel')
  t.equal(resolve({ isRoot: false, env: { HOME: '/home/ann', REEL_DATA_DIR: '/srv/reel' } }).dataDir, '/srv/reel')
})

t.test('flags override the config file, which overrides env, which overrides defaults', async t => {
  const env = { REEL_HTTP_PORT: '9000', REEL_DATA_DIR: '/env/dir', REEL_UPLOAD_RATE: '100' }
  const files = { '/etc/reel/config.json': JSON.stringify({ http: { port: 9100 }, limits: { uploadRate: 200 } }) }
  t.equal(resolve({ env }).http.port, 9000, 'env over defaults')
  t.equal(resolve({ env, files, argv: ['--config', '/etc/reel/config.json'] }).http.port, 9100, 'file over env')
  t.equal(resolve({ env, files, argv: ['--config', '/etc/reel/config.json'] }).limits.uploadRate, 200)
  t.equal(resolve({ env, files, argv: ['--config', '/etc/reel/config.json'] }).dataDir, '/env/dir', 'env where the file is silent')
  const all = resolve({ env, files, argv: ['--config=/etc/reel/config.json', '--port', '9200', '--data-dir', '/flag/dir'] })
  t.equal(all.http.port, 9200, 'flag over file')
  t.equal(all.dataDir, '/flag/dir', 'flag over env')
})

t.test('every daemon flag sets its key', async t => {
  const config = resolve({ argv: ['--port', '0', '--torrent-port=0', '--host', '0.0.0.0', '--data-dir', '/d', '--no-dht', '--no-lsd', '--no-upnp', '--log-level', 'debug'] })
  t.same(config.http, { host: '0.0.0.0', port: 0 })
  t.match(config.torrent, { port: 0, dht: false, lsd: false, upnp: false })
  t.equal(config.log.level, 'debug')
})

t.test('--no-dht beats a config file that turns DHT on', async t => {
  const files = { 'c.json': '{"torrent": {"dht": true, "lsd": false}}' }
  const config = resolve({ files, argv: ['--config', 'c.json', '--no-dht'] })
  t.equal(config.torrent.dht, false)
  t.equal(config.torrent.lsd, false)
  t.equal(config.torrent.upnp, true)
})

t.test('environment variables cover every field', async t => {
  const config = resolve({
    env: {
      REEL_HTTP_HOST: '::1', REEL_TORRENT_HOST: '127.0.0.1', REEL_TORRENT_PORT: '7000', REEL_DHT: 'off', REEL_LSD: '0', REEL_UPNP: 'false',
      REEL_MAX_CONNECTIONS: '50', REEL_MAX_CONNECTIONS_PER_TORRENT: '10', REEL_DOWNLOAD_RATE: '1048576', REEL_LOG_LEVEL: 'warn', REEL_UNRELATED: 'x'
    }
  })
  t.same(config.torrent, {
    host: '127.0.0.1', port: 7000, dht: false, lsd: false, upnp: false, maxConnections: 50, maxConnectionsPerTorrent: 10,
    tcp: true,
    webrtc: { enabled: true, stunServers: ['stun:stun.l.google.com:19302', 'stun:global.stun.twilio.com:3478'], portMin: 0, portMax: 0 }
  })
  t.equal(config.http.host, '::1')
  t.equal(config.limits.downloadRate, 1048576)
  t.equal(config.log.level, 'warn')
})

t.test('WebRTC and TCP are configurable from flags, the file and env', async t => {
  const env = { REEL_STUN_SERVERS: 'stun:env.example:3478, stun:env2.example', REEL_WEBRTC_HOST: '10.0.0.2', REEL_WEBRTC_PORT_MIN: '50000', REEL_WEBRTC_PORT_MAX: '50100', REEL_TCP: 'off' }
  t.same(resolve({ env }).torrent.webrtc, { enabled: true, stunServers: ['stun:env.example:3478', 'stun:env2.example'], host: '10.0.0.2', portMin: 50000, portMax: 50100 })
  t.equal(resolve({ env }).torrent.tcp, false)
  const files = { '/c.json': JSON.stringify({ torrent: { webrtc: { stunServers: ['stun:file.example:3478'] } } }) }
  t.same(resolve({ files, argv: ['--config', '/c.json'] }).torrent.webrtc.stunServers, ['stun:file.example:3478'])
  t.same(resolve({ files, argv: ['--config', '/c.json', '--stun-servers', ''] }).torrent.webrtc.stunServers, [], 'an empty flag means no STUN server')
  t.equal(resolve({ argv: ['--no-webrtc', '--no-tcp'] }).torrent.webrtc.enabled, false)
  t.equal(resolve({ argv: ['--no-tcp'] }).torrent.tcp, false)
  t.throws(() => resolve({ argv: ['--stun-servers', 'http://x.example'] }), /"torrent\.webrtc\.stunServers" from flag --stun-servers must be a list of stun:host:port URLs/)
  t.throws(() => resolve({ files: { '/d.json': '{"torrent":{"webrtc":{"stunServers":"stun:x"}}}' }, argv: ['--config', '/d.json'] }), /must be a list/)
})

t.test('REEL_CONFIG names the config file when --config is absent', async t => {
  const files = { '/a.json': '{"http": {"port": 1}}', '/b.json': '{"http": {"port": 2}}' }
  t.equal(resolve({ files, env: { REEL_CONFIG: '/a.json' } }).http.port, 1)
  t.equal(resolve({ files, env: { REEL_CONFIG: '/a.json' }, argv: ['--config', '/b.json'] }).http.port, 2)
})

t.test('replacing the defaults keeps the precedence', async t => {
  const defaults = { ...defaultConfig(), dataDir: '/demo' }
  const config = resolveConfig({ argv: [], env: {}, readFile: () => '', defaults })
  t.equal(config.dataDir, '/demo')
  config.http.port = 1
  t.equal(defaults.http.port, 8080, 'the defaults object is not modified')
})

t.test('bad values are ConfigErrors naming the key, the source and the expected form', async t => {
  const cases: Array<[Partial<ResolveConfigInput> & { files?: Record<string, string> }, RegExp]> = [
    [{ argv: ['--port', 'http'] }, /"http\.port" from flag --port must be an integer from 0 to 65535/],
    [{ argv: ['--port', '70000'] }, /"http\.port" .* 0 to 65535.*got "70000"/],
    [{ env: { REEL_HTTP_PORT: '-1' } }, /"http\.port" from environment variable REEL_HTTP_PORT/],
    [{ env: { REEL_DHT: 'maybe' } }, /"torrent\.dht" .* must be true or false/],
    [{ env: { REEL_UPLOAD_RATE: '1.5' } }, /"limits\.uploadRate" .* whole number of bytes per second/],
    [{ env: { REEL_MAX_CONNECTIONS: '0' } }, /"torrent\.maxConnections" .* positive integer/],
    [{ argv: ['--log-level', 'loud'] }, /"log\.level" .* one of fatal, error, warn, info, debug, trace, silent/],
    [{ argv: ['--data-dir', ''] }, /"dataDir" .* non-empty string/],
    [{ files: { 'c.json': '{"http": {"port": "8080"}}' }, argv: ['--config', 'c.json'] }, /"http\.port" from config file c\.json must be an integer/],
    [{ files: { 'c.json': '{"torrent": {"dht": "yes"}}' }, argv: ['--config', 'c.json'] }, /"torrent\.dht" from config file c\.json must be true or false/]
  ]
  for (const [input, message] of cases) t.throws(() => resolve(input), { name: 'ConfigError', message }, String(message))
})

t.test('unknown keys and flags are ConfigErrors that list the known ones', async t => {
  t.throws(() => resolve({ files: { 'c.json': '{"http": {"prot": 1}}' }, argv: ['--config', 'c.json'] }),
    { name: 'ConfigError', message: /unknown key "http\.prot" in config file c\.json; known keys: dataDir, http\.host, http\.port/ })
  t.throws(() => resolve({ files: { 'c.json': '{"colour": "red"}' }, argv: ['--config', 'c.json'] }), { message: /unknown key "colour"/ })
  t.throws(() => resolve({ files: { 'c.json': '{"http": 8080}' }, argv: ['--config', 'c.json'] }),
    { message: /"http" in config file c\.json must be an object with keys host, port/ })
  t.throws(() => resolve({ argv: ['--prot', '1'] }), { name: 'ConfigError', message: /--prot.*Known flags: --config/ })
  t.throws(() => resolve({ argv: ['stray'] }), ConfigError)
})

t.test('an unreadable or invalid config file is a ConfigError', async t => {
  t.throws(() => resolve({ argv: ['--config', '/missing.json'] }), { name: 'ConfigError', message: /cannot read config file \/missing\.json: ENOENT/ })
  t.throws(() => resolve({ files: { 'c.json': '{"http": ' }, argv: ['--config', 'c.json'] }), { message: /config file c\.json is not valid JSON/ })
  t.throws(() => resolve({ files: { 'c.json': '[1]' }, argv: ['--config', 'c.json'] }), { message: /must hold a JSON object/ })
})
