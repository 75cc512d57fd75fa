/**
 * `GET|HEAD /stream/:infoHash/:fileIndex`: a torrent file over HTTP with RFC 9110 Range
 * semantics, streamed as its pieces arrive. A malformed Range header is ignored (200, whole
 * file); ranges that all miss the file get 416 with `Content-Range: bytes *\/length`; with
 * several ranges the first satisfiable one is sent as a single-part 206. HEAD answers the
 * headers GET would send (Range included) without creating a reader, so it starts no download.
 * If-Range against our ETag is honoured. A client that disconnects closes the reader.
 * `?rate=<bytes per second>` tells the engine how fast the stream plays, when the client knows
 * (the HLS layer does, from the container): piece deadlines then follow playback. Without it, a
 * film's rate comes from its own container once its header is in (FilmRates). `?background=1`
 * marks media work nobody watches (the HLS layer's probes and posters): the box does not count
 * it as watching.
 */
import type { FastifyPluginAsync } from 'fastify'
import { AbortedError, FileNotFoundError, MetadataPendingError, RangeNotSatisfiableError, TorrentNotFoundError } from '../errors.js'
import type { Engine, ReaderOptions, Torrent } from '../engine/types.js'
import { contentRange, createFileStream, decideRange, mediaTypeFor, type RangeDecision } from '../stream/index.js'
import type { FilmRates } from './film-rates.js'
import { parseBackgroundFlag, parseFileIndex, parseInfoHash, parseStreamRate, type FileParams } from './params.js'
import { abortOnDisconnect, abortWhenOver } from './reply-signals.js'

export const DEFAULT_METADATA_TIMEOUT_MS = 30_000

export interface StreamRoutesInit {
  engine: Engine
  /** How long a request for a magnet without metadata waits for it; default 30 s. */
  metadataTimeoutMs?: number
  /** Bytes each stream claims ahead of its read position; see createFileStream. */
  readahead?: number
  /** Rates of films streamed without `?rate=`; without it, such streams go by their read pace. */
  filmRates?: FilmRates
}

export function streamRoutes (init: StreamRoutesInit): FastifyPluginAsync {
  const { engine } = init
  const metadataTimeoutMs = init.metadataTimeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS

  return async app => {
    app.route<{ Params: FileParams, Querystring: { rate?: string, background?: string } }>({
      method: ['GET', 'HEAD'],
      url: '/stream/:infoHash/:fileIndex',
      handler: async (request, reply) => {
        const infoHash = parseInfoHash(request.params.infoHash)
        const fileIndex = parseFileIndex(request.params.fileIndex)
        const bytesPerSecond = parseStreamRate(request.query.rate)
        const background = parseBackgroundFlag(request.query.background)
        const torrent = engine.get(infoHash)
        if (torrent === undefined) throw new TorrentNotFoundError(`no torrent ${infoHash} on this box; add it with POST /api/torrents`)
        const signal = abortOnDisconnect(reply)
        if (!torrent.hasMetadata) await waitForMetadata(torrent, metadataTimeoutMs, signal)

        const file = torrent.files()[fileIndex]
        if (file === undefined) throw new FileNotFoundError(`torrent ${infoHash} has no file ${fileIndex}; it has ${torrent.files().length}`)

        const etag = `"${infoHash}-${fileIndex}"`
        const decision = honourIfRange(decideRange(request.headers.range, file.length), request.headers['if-range'], etag)
        reply.header('accept-ranges', 'bytes').header('content-type', mediaTypeFor(file.path)).header('etag', etag)
        if (decision.type === 'unsatisfiable') {
          throw new RangeNotSatisfiableError(`Range "${request.headers.range ?? ''}" lies outside file ${fileIndex} (${file.length} bytes)`, file.length)
        }

        const [start, end] = decision.type === 'partial' ? [decision.start, decision.end] : [0, file.length - 1]
        if (decision.type === 'partial') reply.code(206).header('content-range', contentRange(start, end, file.length))
        reply.header('content-length', String(end - start + 1))
        if (request.method === 'HEAD' || end < start) return await reply.send()

        // Learning the rate ends with the response: a reader left waiting for a head nobody
        // fetches would outlive it.
        const filmRate = bytesPerSecond === undefined && !background
          ? init.filmRates?.rateOf(torrent, fileIndex, abortWhenOver(reply))
          : undefined
        const body = createFileStream(torrent, fileIndex, start, end, {
          signal,
          readahead: init.readahead,
          bytesPerSecond: bytesPerSecond ?? (typeof filmRate === 'number' ? filmRate : undefined),
          learnedRate: filmRate instanceof Promise ? filmRate : undefined,
          background
        })
        return await reply.send(body)
      }
    })
  }
}

/** The path of a file's `/stream` route with what its reader declares: `?rate=`, `?background=1`. */
export function streamPath (infoHash: string, fileIndex: number, reading: Pick<ReaderOptions, 'bytesPerSecond' | 'background'> = {}): string {
  const query = new URLSearchParams()
  if (reading.bytesPerSecond !== undefined) query.set('rate', String(reading.bytesPerSecond))
  if (reading.background === true) query.set('background', '1')
  const search = query.toString()
  return `/stream/${infoHash}/${fileIndex}${search === '' ? '' : `?${search}`}`
}

/** A Range is only honoured when If-Range (if present) names our current ETag. */
function honourIfRange (decision: RangeDecision, ifRange: string | string[] | undefined, etag: string): RangeDecision {
  if (decision.type === 'full' || ifRange === undefined || String(ifRange).trim() === etag) return decision
  return { type: 'full' }
}

async function waitForMetadata (torrent: Torrent, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const timeout = new AbortController()
  const timer = setTimeout(() => { timeout.abort(new AbortedError('metadata wait timed out')) }, timeoutMs)
  try {
    await torrent.whenMetadata({ signal: AbortSignal.any([signal, timeout.signal]) })
  } catch (err) {
    if (timeout.signal.aborted && !signal.aborted) {
      throw new MetadataPendingError(
        `the file list of ${torrent.infoHash} has not arrived from peers within ${Math.round(timeoutMs / 1000)} s; ` +
        `retry once GET /api/torrents/${torrent.infoHash} shows hasMetadata: true`, { cause: err })
    }
    throw err
  } finally {
    clearTimeout(timer)
  }
}
