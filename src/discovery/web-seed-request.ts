/**
 * One HTTP Range request for one file part, written straight into the caller's buffer.
 * Invariant: it resolves only when exactly the asked bytes arrived from a response that says
 * they are those bytes (206 with the exact Content-Range, or 200 for a whole-file request);
 * anything else rejects with a WebSeedError and the connection is torn down, not drained.
 */
import { ReelError, WebSeedError } from '../errors.js'
import { httpGet, type HttpResponse } from '../http-client.js'

const MAX_REDIRECTS = 5

export interface FilePartRequest {
  url: string
  /** File-relative first byte and byte count; `target` has exactly `length` bytes. */
  start: number
  length: number
  fileLength: number
  target: Uint8Array
  /** Fails the request when no headers or body bytes arrived for this long. */
  stallTimeoutMs: number
  /** Aborted by the caller; its reason is what the request rejects with. */
  signal: AbortSignal
}

/** Aborts `to` when `from` aborts (with `reasonOf` its reason); returns the unlink function. */
export function forwardAbort (from: AbortSignal | undefined, to: AbortController, reasonOf: (from: AbortSignal) => unknown = s => s.reason): () => void {
  if (from === undefined) return () => {}
  const onAbort = (): void => { to.abort(reasonOf(from)) }
  if (from.aborted) {
    onAbort()
    return () => {}
  }
  from.addEventListener('abort', onAbort, { once: true })
  return () => { from.removeEventListener('abort', onAbort) }
}

/** Fetches file bytes [start, start+length) of `url` into `target`; rejects with WebSeedError or the signal's reason. */
export async function fetchFilePart (request: FilePartRequest): Promise<void> {
  const controller = new AbortController()
  const unlink = forwardAbort(request.signal, controller)
  const end = request.start + request.length - 1
  const stall = setTimeout(() => {
    controller.abort(new WebSeedError(`web seed ${request.url}: no data for ${request.stallTimeoutMs} ms while fetching bytes ${request.start}-${end} (stalled)`))
  }, request.stallTimeoutMs)
  let response: HttpResponse | undefined
  try {
    const opened = await openFollowingRedirects(request, controller.signal, () => stall.refresh())
    response = opened.response
    checkHeaders(opened.response, request, opened.url)
    await readExactly(opened.response, request.target, opened.url, () => stall.refresh())
  } catch (err) {
    const failure: unknown = controller.signal.aborted
      ? controller.signal.reason
      : err instanceof ReelError ? err : new WebSeedError(`web seed ${request.url}: connection failed (${describeCause(err)})`, { cause: err })
    // Tears down the connection, so a wrong or oversized body is never read to its end.
    controller.abort(failure)
    response?.body.destroy()
    throw failure
  } finally {
    clearTimeout(stall)
    unlink()
  }
}

async function openFollowingRedirects (request: FilePartRequest, signal: AbortSignal, onProgress: () => void): Promise<{ response: HttpResponse, url: string }> {
  const seen = new Set<string>()
  let url = request.url
  for (;;) {
    // node:http sends no Accept-Encoding, so servers answer with the raw bytes; checkHeaders refuses encoded bodies anyway.
    const response = await httpGet(url, { headers: { range: `bytes=${request.start}-${request.start + request.length - 1}` }, signal })
    onProgress()
    if (response.status < 300 || response.status > 399) return { response, url }
    response.body.destroy()
    const location = response.header('location')
    if (location === undefined) throw new WebSeedError(`web seed ${url}: answered ${response.status} without a Location header`)
    seen.add(url)
    let next: URL
    try {
      next = new URL(location, url)
    } catch (err) {
      throw new WebSeedError(`web seed ${url}: redirected to an invalid URL ${JSON.stringify(location)}`, { cause: err })
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new WebSeedError(`web seed ${url}: redirected to non-HTTP ${next.href}`)
    if (seen.has(next.href)) throw new WebSeedError(`web seed ${request.url}: redirect loop (back to ${next.href})`)
    if (seen.size > MAX_REDIRECTS) throw new WebSeedError(`web seed ${request.url}: more than ${MAX_REDIRECTS} redirects`)
    url = next.href
  }
}

function checkHeaders (response: HttpResponse, request: FilePartRequest, url: string): void {
  const { start, length, fileLength } = request
  const end = start + length - 1
  const asked = `bytes ${start}-${end} of ${fileLength}`
  const fail = (what: string): never => { throw new WebSeedError(`web seed ${url}: ${what} (asked for ${asked})`) }
  const encoding = response.header('content-encoding')
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') fail(`sent a ${encoding}-encoded body; byte ranges need the raw file`)
  const declared = response.header('content-length')
  const declaredLength = declared === undefined ? undefined : Number(declared)
  switch (response.status) {
    case 206: {
      const header = response.header('content-range')
      if (header === undefined) return fail('answered 206 without a Content-Range header')
      const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim())
      if (match === null) return fail(`answered a malformed Content-Range ${JSON.stringify(header)}`)
      const [first, last, total] = [Number(match[1]), Number(match[2]), match[3] === '*' ? NaN : Number(match[3])]
      if (first !== start || last !== end) fail(`answered Content-Range ${JSON.stringify(header)} for other bytes`)
      if (total !== fileLength) fail(`answered Content-Range ${JSON.stringify(header)}: the file's length differs from the torrent's`)
      if (declaredLength !== undefined && declaredLength !== length) fail(`declared Content-Length ${declared} for a ${length}-byte range`)
      return
    }
    case 200:
      if (start !== 0 || length !== fileLength) fail('ignored the Range header and answered 200 with the whole file')
      if (declaredLength !== undefined && declaredLength !== fileLength) fail(`answered 200 with Content-Length ${declared}; the torrent says the file has ${fileLength} bytes`)
      return
    case 404:
      return fail('answered 404 Not Found; the file is not on the web seed')
    case 416:
      return fail('answered 416 Range Not Satisfiable; the file on the server is shorter than the torrent says')
    default:
      return fail(`answered HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`)
  }
}

async function readExactly (response: HttpResponse, target: Uint8Array, url: string, onProgress: () => void): Promise<void> {
  let filled = 0
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      onProgress()
      if (filled + chunk.length > target.length) {
        throw new WebSeedError(`web seed ${url}: sent more than the ${target.length} bytes asked for`)
      }
      target.set(chunk, filled)
      filled += chunk.length
    }
  } catch (err) {
    if (err instanceof ReelError) throw err
    throw new WebSeedError(`web seed ${url}: connection dropped after ${filled} of ${target.length} bytes (${describeCause(err)})`, { cause: err })
  }
  if (filled < target.length) throw new WebSeedError(`web seed ${url}: body ended after ${filled} of ${target.length} bytes`)
}

// Network failures may wrap the system error as their cause.
function describeCause (err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err; e instanceof Error && parts.length < 3; e = e.cause) {
    const code = (e as { code?: unknown }).code
    parts.push(typeof code === 'string' ? `${e.message} [${code}]` : e.message)
  }
  return parts.length === 0 ? String(err) : parts.join(': ')
}
