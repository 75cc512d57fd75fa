/**
 * A tiny HTTP server that serves local files with single-range `Range` support on 127.0.0.1,
 * standing in for the daemon's `/stream` route in the HLS layer's unit tests. It can slow
 * its answers and count the requests it saw, so tests can check what ffmpeg and the probe read.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RangeServer {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `Range` headers seen per path, in order (`-` when absent). */
  requests: Array<{ path: string, range: string }>
  close: () => Promise<void>
}

export interface RangeServerOptions {
  /** Each response's rate limit, bytes per second; default unlimited. */
  bytesPerSecond?: number
  /** Cut every response's connection after this many body bytes (a flaky source). */
  dropAfterBytes?: number
  /** Open-ended requests (`bytes=N-`, as ffmpeg sends) stop at this offset: cut there, then 503 (a source that is gone). */
  failFrom?: number
}

/** Serves `files` (URL path → local file) until closed. */
export async function startRangeServer (files: Record<string, string>, options: RangeServerOptions = {}): Promise<RangeServer> {
  const requests: RangeServer['requests'] = []
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const file = files[path]
    requests.push({ path, range: req.headers.range ?? '-' })
    if (file === undefined) { res.writeHead(404).end(); return }
    stat(file).then(info => {
      const size = info.size
      const match = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '')
      let start = 0
      let end = size - 1
      if (match !== null) {
        if (match[1] === '') {
          start = Math.max(0, size - Number(match[2]))
        } else {
          start = Number(match[1])
          if (match[2] !== '') end = Math.min(size - 1, Number(match[2]))
        }
        const openEnded = match !== null && match[2] === ''
        if (options.failFrom !== undefined && openEnded && start >= options.failFrom) {
          res.writeHead(503).end()
          return
        }
        if (start >= size) {
          res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
          return
        }
        res.writeHead(206, {
          'accept-ranges': 'bytes', 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${size}`
        })
      } else {
        res.writeHead(200, { 'accept-ranges': 'bytes', 'content-length': String(size) })
      }
      if (req.method === 'HEAD') { res.end(); return }
      const openEnded = match === null || match[2] === ''
      const limit = options.dropAfterBytes ?? (options.failFrom === undefined || !openEnded ? undefined : Math.max(0, options.failFrom - start))
      const body = createReadStream(file, { start, end: limit === undefined ? end : Math.min(end, start + limit - 1), highWaterMark: 16 * 1024 })
      if (limit !== undefined && start + limit <= end) {
        // Send the first `limit` bytes, then cut the connection mid-body.
        body.on('data', chunk => { res.write(chunk) })
        body.on('end', () => { res.socket?.destroy() })
        return
      }
      if (options.bytesPerSecond === undefined) { body.pipe(res); return }
      const rate = options.bytesPerSecond
      body.on('data', (chunk: Buffer | string) => {
        body.pause()
        res.write(chunk)
        setTimeout(() => { if (!res.destroyed) body.resume() }, Math.ceil(1000 * chunk.length / rate))
      })
      body.on('end', () => { res.end() })
      res.on('close', () => { body.destroy() })
    }).catch(() => { res.writeHead(500).end() })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
