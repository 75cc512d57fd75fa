/**
 * HTTP(S) requests over node:http with keep-alive connections, for the daemon's own byte-range
 * reads (web seeds, the HLS layer reading `/stream`) and the `reel` CLI's calls to the daemon.
 * Node's fetch (undici) is not used anywhere in Reel: its first call compiles undici's
 * WebAssembly HTTP parser, which raised a process's peak RSS by 42 MiB here, and in a loop of
 * 16 KiB range requests it cost about 40 MiB more and 2.5 times the CPU. The daemon runs with
 * `--no-experimental-fetch` (src/cli/node-flags.ts) so no dependency can call it either.
 */
import http from 'node:http'
import https from 'node:https'

/**
 * Idle connections are closed after this long, before a Node server's default 5 s keep-alive
 * timeout would close them under a request being sent on them.
 */
const IDLE_SOCKET_MS = 4_000

const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS })
}

export interface HttpResponse {
  status: number
  statusText: string
  /** A header's value (several joined with ", "), or undefined. */
  header (name: string): string | undefined
  /** Read it to its end, or destroy it to drop the connection without reading the rest. */
  body: http.IncomingMessage
}

export interface HttpGetOptions {
  headers?: Record<string, string>
  /** Aborting fails the request, or the body's reads once the headers are in. */
  signal?: AbortSignal
}

export interface HttpRequestOptions extends HttpGetOptions {
  method: string
  /** Sent with a content-length; none for a request without a body. */
  body?: Uint8Array | string
}

/** `httpRequest` with method GET. */
export async function httpGet (url: string | URL, options: HttpGetOptions = {}): Promise<HttpResponse> {
  return await httpRequest(url, { ...options, method: 'GET' })
}

/**
 * Sends a request and resolves once the response headers are in. Redirects are not followed.
 * Rejects with a TypeError for a URL that is not http(s), and with the socket's error (or the
 * signal's AbortError) when the request fails.
 */
export async function httpRequest (url: string | URL, options: HttpRequestOptions): Promise<HttpResponse> {
  const target = typeof url === 'string' ? new URL(url) : url
  const protocol = target.protocol
  if (protocol !== 'http:' && protocol !== 'https:') throw new TypeError(`${target.href} is not an http(s) URL`)
  const client = protocol === 'https:' ? https : http
  const body = options.body
  const headers = body === undefined ? options.headers : { ...options.headers, 'content-length': String(Buffer.byteLength(body)) }
  return await new Promise((resolve, reject) => {
    const request = client.request(target, { method: options.method, headers, agent: agents[protocol], signal: options.signal }, body => {
      // A reader of the body sees its errors; one that has stopped reading must not crash the daemon.
      body.on('error', () => {})
      resolve({
        status: body.statusCode ?? 0,
        statusText: body.statusMessage ?? '',
        header: name => {
          const value = body.headers[name.toLowerCase()]
          return Array.isArray(value) ? value.join(', ') : value
        },
        body
      })
    })
    request.on('error', reject)
    request.end(body)
  })
}

/** Reads a response body to its end as UTF-8 text. */
export async function readText (response: HttpResponse): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of response.body) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
