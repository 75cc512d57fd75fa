import t from 'tap'
import { defaultDaemonUrl, parseClientArgs, parseCommand } from '../../src/cli/args.js'
import { formatBytes } from '../../src/cli/client.js'
import { urlOf } from '../../src/api/index.js'
import { demoDaemonConfig, demoDefaults } from '../../src/cli/demo.js'
import { UsageError } from '../../src/errors.js'

t.test('the first word picks the command and the rest is its argv', async t => {
  t.same(parseCommand(['daemon', '--port', '0']), { name: 'daemon', argv: ['--port', '0'] })
  t.same(parseCommand(['demo']), { name: 'demo', argv: [] })
  t.same(parseCommand(['add', 'x.torrent', '--url', 'http://h:1']), { name: 'add', argv: ['x.torrent', '--url', 'http://h:1'] })
  t.same(parseCommand([]), { name: 'help', argv: [] })
  t.same(parseCommand(['--help']), { name: 'help', argv: [] })
  t.same(parseCommand(['--version']), { name: 'version', argv: [] })
  t.throws(() => parseCommand(['serve']), UsageError)
})

t.test('client commands take --url and --json around their positionals', async t => {
  t.same(parseClientArgs(['magnet:?xt=1', '--url', 'http://10.0.0.2:9000/'], {}), { url: 'http://10.0.0.2:9000', json: false, positionals: ['magnet:?xt=1'] })
  t.same(parseClientArgs(['--json'], {}), { url: 'http://127.0.0.1:8080', json: true, positionals: [] })
  t.throws(() => parseClientArgs(['--colour'], {}), UsageError)
  t.throws(() => parseClientArgs(['--url', 'ftp://x'], {}), UsageError)
})

t.test('the daemon URL defaults from REEL_URL, then REEL_HTTP_PORT', async t => {
  t.equal(defaultDaemonUrl({}), 'http://127.0.0.1:8080')
  t.equal(defaultDaemonUrl({ REEL_HTTP_PORT: '9090' }), 'http://127.0.0.1:9090')
  t.equal(defaultDaemonUrl({ REEL_HTTP_PORT: '9090', REEL_URL: 'http://box:1' }), 'http://box:1')
})

t.test('the listening URL is one a local client can reach', async t => {
  t.equal(urlOf({ address: '127.0.0.1', family: 'IPv4', port: 8080 }), 'http://127.0.0.1:8080')
  t.equal(urlOf({ address: '0.0.0.0', family: 'IPv4', port: 80 }), 'http://127.0.0.1:80')
  t.equal(urlOf({ address: '::', family: 'IPv6', port: 80 }), 'http://[::1]:80')
  t.equal(urlOf({ address: 'fe80::1', family: 'IPv6', port: 80 }), 'http://[fe80::1]:80')
})

t.test('the demo keeps to its own dir and to the loopback whatever the flags say', async t => {
  const defaults = demoDefaults({ HOME: '/home/ann' }, false)
  t.equal(defaults.dataDir, '/home/ann/.local/share/reel/demo')
  t.equal(defaults.torrent.port, 0)
  const config = demoDaemonConfig({ ...defaults, torrent: { ...defaults.torrent, dht: true, lsd: true, upnp: true, host: '0.0.0.0' } }, '/tmp/d')
  t.equal(config.dataDir, '/tmp/d/daemon')
  t.match(config.torrent, { host: '127.0.0.1', dht: false, lsd: false, upnp: false })
})

t.test('byte counts are shown in binary units', async t => {
  t.equal(formatBytes(0), '0 B')
  t.equal(formatBytes(1023), '1023 B')
  t.equal(formatBytes(1536), '1.5 KiB')
  t.equal(formatBytes(41952634), '40.0 MiB')
})
