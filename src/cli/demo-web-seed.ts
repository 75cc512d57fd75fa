/**
 * The demo's web seed: the operator's CDN in miniature, a plain HTTP server on 127.0.0.1 that
 * serves the demo's media folder with Range requests (BEP 19 `url-list` clients ask for piece
 * ranges of a file). It serves only files directly in its folder, GET and HEAD, nothing else.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { basename, join } from 'node:path'
import type { Logger } from '../log.js'
import { contentRange, decideRange } from '../stream/index.js'

export interface DemoWebSeed {
  /** Base URL ending in `/`; a file `name` of the folder is at `${baseUrl}${encodeURIComponent(name)}`. */
  baseUrl: string
  close: () => Promise<void>
}

export async function startDemoWebSeed (init: { dir: string, log: Logger }): Promise<DemoWebSeed> {
  const server = createServer((request, response) => {
    serveFile(init.dir, request, response).catch((err: unknown) => {
      init.log.debug({ err, url: request.url }, 'web seed request failed')
      if (!response.headersSent) response.writeHead(500).end()
      else response.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  init.log.info({ baseUrl }, 'web seed listening')
  return {
    baseUrl,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

async function serveFile (dir: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end()
    return
  }
  const name = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname.slice(1))
  // Only plain names of files in the folder: no sub-paths, no dot files, nothing outside.
  if (name === '' || name !== basename(name) || name.startsWith('.')) {
    response.writeHead(404).end()
    return
  }
  const path = join(dir, name)
  const info = await stat(path).catch(() => undefined)
  if (info === undefined || !info.isFile()) {
    response.writeHead(404).end()
    return
  }
  const decision = decideRange(request.headers.range, info.size)
  if (decision.type === 'unsatisfiable') {
    response.writeHead(416, { 'content-range': `bytes */${info.size}` }).end()
    return
  }
  const [start, end] = decision.type === 'partial' ? [decision.start, decision.end] : [0, info.size - 1]
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    'content-length': String(Math.max(0, end - start + 1))
  }
  if (decision.type === 'partial') headers['content-range'] = contentRange(start, end, info.size)
  response.writeHead(decision.type === 'partial' ? 206 : 200, headers)
  if (request.method === 'HEAD' || end < start) {
    response.end()
    return
  }
  const body = createReadStream(path, { start, end })
  body.on('error', () => response.destroy())
  body.pipe(response)
}
