/**
 * `/hls/:infoHash/:fileIndex/…`: the HLS packager over HTTP. `index.m3u8` (a complete VOD
 * playlist), `seg-<n>.ts` (MPEG-TS segments; the playlist's relative URIs carry its query
 * string), `info` (JSON) and `poster.jpg`. Query: `viewer=<id>` (one ffmpeg session per
 * viewer) and `hevc=1` (the browser decodes HEVC). `GET /hls/stats` lists running sessions and
 * their ffmpeg PIDs (for the bench's memory figures). Errors come from the shared error handler:
 * unknown torrent or file 404, not video / unsupported codec 415, unreadable 422.
 */
import { createReadStream } from 'node:fs'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Engine } from '../engine/types.js'
import { BadRequestError, FileNotFoundError, MetadataPendingError, RouteNotFoundError, TorrentNotFoundError } from '../errors.js'
import type { HlsPackager, HlsRequestOptions, TitleFile } from '../hls/index.js'
import { parseSegmentName } from '../hls/index.js'
import { parseFileIndex, parseInfoHash, type FileParams } from './params.js'
import { abortOnDisconnect } from './reply-signals.js'

export const DEFAULT_HLS_METADATA_TIMEOUT_MS = 30_000

export interface HlsRoutesInit {
  engine: Engine
  packager: HlsPackager
  /** How long a request for a magnet without metadata waits for it; default 30 s. */
  metadataTimeoutMs?: number
}

interface HlsQuery { viewer?: string, hevc?: string }
interface SegmentParams extends FileParams { segment: string }

const VIEWER = /^[A-Za-z0-9._:-]{1,128}$/

export function hlsRoutes (init: HlsRoutesInit): FastifyPluginAsync {
  const { engine, packager } = init
  const metadataTimeoutMs = init.metadataTimeoutMs ?? DEFAULT_HLS_METADATA_TIMEOUT_MS

  async function titleOf (params: FileParams, signal: AbortSignal): Promise<TitleFile> {
    const infoHash = parseInfoHash(params.infoHash)
    const fileIndex = parseFileIndex(params.fileIndex)
    const torrent = engine.get(infoHash)
    if (torrent === undefined) throw new TorrentNotFoundError(`no torrent ${infoHash} on this box; add it with POST /api/torrents`)
    if (!torrent.hasMetadata) {
      const timeout = AbortSignal.timeout(metadataTimeoutMs)
      try {
        await torrent.whenMetadata({ signal: AbortSignal.any([signal, timeout]) })
      } catch (err) {
        if (timeout.aborted && !signal.aborted) {
          throw new MetadataPendingError(`the file list of ${infoHash} has not arrived from peers within ${Math.round(metadataTimeoutMs / 1000)} s`, { cause: err })
        }
        throw err
      }
    }
    const file = torrent.files()[fileIndex]
    if (file === undefined) throw new FileNotFoundError(`torrent ${infoHash} has no file ${fileIndex}; it has ${torrent.files().length}`)
    return { infoHash, fileIndex, path: file.path, length: file.length }
  }

  function optionsOf (request: FastifyRequest<{ Querystring: HlsQuery }>, signal: AbortSignal): HlsRequestOptions {
    const { viewer, hevc } = request.query
    if (viewer !== undefined && !VIEWER.test(viewer)) {
      throw new BadRequestError('viewer must be 1 to 128 letters, digits or ._:- characters')
    }
    if (hevc !== undefined && !['0', '1', 'true', 'false'].includes(hevc)) throw new BadRequestError('hevc must be 1 or 0')
    return { ...(viewer === undefined ? {} : { viewer }), hevc: hevc === '1' || hevc === 'true', signal }
  }

  return async app => {
    app.get('/hls/stats', async (_request, reply) => await reply.header('cache-control', 'no-cache').send(packager.stats()))

    app.get<{ Params: FileParams, Querystring: HlsQuery }>('/hls/:infoHash/:fileIndex/index.m3u8', async (request, reply) => {
      const signal = abortOnDisconnect(reply)
      const options = optionsOf(request, signal)
      const title = await titleOf(request.params, signal)
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : ''
      const text = await packager.playlist(title, { ...options, segmentQuery: query })
      return await reply.type('application/vnd.apple.mpegurl').header('cache-control', 'no-cache').send(text)
    })

    app.get<{ Params: FileParams, Querystring: HlsQuery }>('/hls/:infoHash/:fileIndex/info', async (request, reply) => {
      const signal = abortOnDisconnect(reply)
      const options = optionsOf(request, signal)
      const info = await packager.info(await titleOf(request.params, signal), options)
      return await reply.header('cache-control', 'no-cache').send(info)
    })

    app.get<{ Params: FileParams, Querystring: HlsQuery }>('/hls/:infoHash/:fileIndex/poster.jpg', async (request, reply) => {
      const signal = abortOnDisconnect(reply)
      const options = optionsOf(request, signal)
      const poster = await packager.poster(await titleOf(request.params, signal), options)
      return await reply.type('image/jpeg').header('cache-control', 'max-age=86400')
        .header('content-length', String(poster.size)).send(createReadStream(poster.path))
    })

    app.get<{ Params: SegmentParams, Querystring: HlsQuery }>('/hls/:infoHash/:fileIndex/:segment', async (request, reply) => {
      const index = parseSegmentName(request.params.segment)
      if (index === undefined) throw new RouteNotFoundError(`no route for GET ${request.url.split('?')[0] ?? ''}`)
      const signal = abortOnDisconnect(reply)
      const options = optionsOf(request, signal)
      const segment = await packager.segment(await titleOf(request.params, signal), index, options)
      return await reply.type('video/mp2t').header('cache-control', 'max-age=3600')
        .header('content-length', String(segment.size)).send(createReadStream(segment.path))
    })
  }
}

