/**
 * Byte ranges of a title read over HTTP from the daemon's `/stream` route, so that every read
 * becomes a piece deadline in the engine (the HLS layer never touches torrent internals).
 */
import { MediaToolError } from '../errors.js'
import { httpGet } from '../http-client.js'

/** Resolves with `length` bytes from `start` (fewer only at the end of the file). */
export type ReadRange = (start: number, length: number, signal?: AbortSignal) => Promise<Uint8Array>

/** A ReadRange over HTTP Range requests to `url`, for a file of `fileLength` bytes. */
export function httpRangeReader (url: string, fileLength: number): ReadRange {
  return async (start, length, signal) => {
    const end = Math.min(fileLength, start + length) - 1
    if (end < start) return new Uint8Array(0)
    const response = await httpGet(url, { headers: { range: `bytes=${start}-${end}` }, ...(signal === undefined ? {} : { signal }) })
    const body = response.body
    if (response.status !== 206 && !(response.status === 200 && start === 0)) {
      body.destroy()
      throw new MediaToolError(`reading bytes ${start}-${end} of ${url} answered HTTP ${response.status}`)
    }
    // A server that ignored the range sends the whole file: take what was asked for, drop the rest.
    const out = new Uint8Array(end - start + 1)
    let filled = 0
    // Leaving the loop early destroys the body (and its connection); a body of exactly the
    // asked bytes ends by itself and its connection is kept for the next read.
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (filled === out.length) break
      const take = Math.min(chunk.length, out.length - filled)
      out.set(take === chunk.length ? chunk : chunk.subarray(0, take), filled)
      filled += take
    }
    return out.subarray(0, filled)
  }
}
