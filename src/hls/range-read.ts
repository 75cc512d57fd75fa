/**
 * Byte ranges of a title read over HTTP from the daemon's `/stream` route, so that every read
 * becomes a piece deadline in the engine (the HLS layer never touches torrent internals).
 */
import { MediaToolError } from '../errors.js'

/** Resolves with `length` bytes from `start` (fewer only at the end of the file). */
export type ReadRange = (start: number, length: number, signal?: AbortSignal) => Promise<Uint8Array>

/** A ReadRange over HTTP Range requests to `url`, for a file of `fileLength` bytes. */
export function httpRangeReader (url: string, fileLength: number): ReadRange {
  return async (start, length, signal) => {
    const end = Math.min(fileLength, start + length) - 1
    if (end < start) return new Uint8Array(0)
    const response = await fetch(url, { headers: { range: `bytes=${start}-${end}` }, signal })
    if (response.status !== 206 && !(response.status === 200 && start === 0)) {
      await response.body?.cancel()
      throw new MediaToolError(`reading bytes ${start}-${end} of ${url} answered HTTP ${response.status}`)
    }
    if (response.status === 206) return new Uint8Array(await response.arrayBuffer())
    // A server that ignored the range: take what we asked for and drop the rest.
    const reader = response.body?.getReader()
    const out = new Uint8Array(end - start + 1)
    let filled = 0
    while (reader !== undefined && filled < out.length) {
      const { value, done } = await reader.read()
      if (done) break
      const take = Math.min(value.length, out.length - filled)
      out.set(value.subarray(0, take), filled)
      filled += take
    }
    await reader?.cancel()
    return out.subarray(0, filled)
  }
}
