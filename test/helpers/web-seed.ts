/**
 * A web seed (BEP 19) on 127.0.0.1: one file over HTTP with single-range
 * support, every response sharing one byte rate, and a count of the body bytes
 * it sent. The file is opened per request, so the server can start (and its URL
 * go into a torrent's url-list) before the file exists. Closed on teardown.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import type { Teardown } from './scope.js'

export interface WebSeedOptions {
  /** The file served. */
  filePath: string
  /** URL path it is served at, e.g. `/movie.bin`; other paths get 404. */
  urlPath: string
  /** Bytes/s shared by all responses; 0 or absent = unlimited. */
  rateLimit?: number
}

export interface WebSeed {
  /** `http://127.0.0.1:PORT<urlPath>`, for the torrent's url-list. */
  url: string
  /** Body bytes written to clients since the start or the last `resetCounters()`. */
  bytesServed(): number
  /** Requests received since the start or the last `resetCounters()`. */
  requests(): number
  resetCounters(): void
  close(): Promise<void>
}

const CHUNK = 16 * 1024

/**
 * Paces writes to `rate` bytes/s overall: each chunk starts no earlier than
 * the previous one's share of the rate allows (an idle pacer banks nothing).
 */
class BytePacer {
  #next = 0
  constructor(private readonly rate: number) {}

  async take(bytes: number, signal: AbortSignal): Promise<void> {
    if (this.rate <= 0) return
    const now = performance.now()
    const start = Math.max(now, this.#next)
    this.#next = start + (bytes * 1000) / this.rate
    if (start > now) await delay(start - now, undefined, { signal })
  }
}

/** Starts the web seed; resolves once it listens. */
export async function startWebSeed(scope: Teardown, opts: WebSeedOptions): Promise<WebSeed> {
  const pacer = new BytePacer(opts.rateLimit ?? 0)
  let served = 0
  let requests = 0
  const server = createServer((req, res) => {
    requests++
    handle(req, res).catch(() => res.destroy())
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path !== opts.urlPath || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end()
      return
    }
    const size = (await stat(opts.filePath)).size
    const range = parseRange(req.headers.range, size)
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
      return
    }
    const [start, end] = range ?? [0, size - 1]
    res.writeHead(range === undefined ? 200 : 206, {
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'content-length': String(end - start + 1),
      ...(range === undefined ? {} : { 'content-range': `bytes ${start}-${end}/${size}` }),
    })
    if (req.method === 'HEAD' || end < start) {
      res.end()
      return
    }
    const gone = new AbortController()
    res.once('close', () => gone.abort())
    const file = createReadStream(opts.filePath, { start, end, highWaterMark: CHUNK })
    try {
      for await (const chunk of file as AsyncIterable<Buffer>) {
        await pacer.take(chunk.length, gone.signal)
        served += chunk.length
        if (!res.write(chunk)) await once(res, 'drain', { signal: gone.signal })
      }
      res.end()
    } catch {
      res.destroy()
    } finally {
      file.destroy()
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  const seed: WebSeed = {
    url: `http://127.0.0.1:${port}${opts.urlPath}`,
    bytesServed: () => served,
    requests: () => requests,
    resetCounters() {
      served = 0
      requests = 0
    },
    close() {
      closed ??= new Promise(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    },
  }
  scope.teardown(() => seed.close())
  return seed
}

/** `[start, end]` (inclusive) of a single `bytes=` range, undefined without one (or a malformed one). */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '')
  if (m === null || (m[1] === '' && m[2] === '')) return undefined
  if (m[1] === '') {
    const n = Number(m[2])
    return n > 0 && size > 0 ? [Math.max(0, size - n), size - 1] : 'unsatisfiable'
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  return start < size && start <= end ? [start, end] : 'unsatisfiable'
}
