// What wt_peer.mjs and wt_stream.mjs share: the JSON-lines protocol on stdout, a webtorrent
// 2.x client that stays on 127.0.0.1 (no DHT, LSD, UPnP, NAT-PMP, uTP or PEX), and a stop
// that destroys the client (at most 3 s), prints `exit` and ends the process.
import net from 'node:net'

/** Prints one protocol line: `{"event": ..., ...fields}`. */
export function emit (event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n')
}

/** Prints an `error` line and exits 2. */
export function fail (message) {
  emit('error', { message })
  process.exit(2)
}

/**
 * A webtorrent client that only touches the loopback interface; `options` adds to (or
 * overrides) the loopback-only ones. Resolves once its torrent port listens.
 */
export async function startLoopbackClient (options = {}) {
  // webtorrent's connection pool calls `tcpServer.listen(port, cb)`, which binds every
  // interface. Pin servers that get no host to the loopback interface.
  const listen = net.Server.prototype.listen
  net.Server.prototype.listen = function (...args) {
    if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) args.splice(1, 0, '127.0.0.1')
    return listen.apply(this, args)
  }
  const { default: WebTorrent } = await import('webtorrent')
  const client = new WebTorrent({ dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, utp: false, torrentPort: 0, ...options })
  client.on('error', err => fail(String(err?.message ?? err)))
  await new Promise(resolve => (client.listening ? resolve() : client.once('listening', resolve)))
  return client
}

/**
 * Returns `stop(code)`: runs `beforeDestroy`, destroys the client (waiting at most 3 s), prints
 * `exit` and exits. SIGTERM and SIGINT stop with 0, and so does stdin closing unless `ignoreStdin`.
 * `onLine` receives stdin's lines when given.
 */
export function stopper (client, { ignoreStdin = false, beforeDestroy = () => {}, onLine } = {}) {
  let stopping = false
  const stop = (code = 0) => {
    if (stopping) return
    stopping = true
    const done = () => {
      emit('exit', { code })
      process.exit(code)
    }
    setTimeout(done, 3000).unref()
    beforeDestroy()
    client.destroy(done)
  }
  process.on('SIGTERM', () => stop(0))
  process.on('SIGINT', () => stop(0))
  if (!ignoreStdin) {
    let pending = ''
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', chunk => {
      if (onLine === undefined) return
      pending += chunk
      let nl
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim()
        pending = pending.slice(nl + 1)
        if (line !== '') onLine(line)
      }
    })
    process.stdin.on('end', () => stop(0))
    process.stdin.on('error', () => stop(0))
  }
  return stop
}
