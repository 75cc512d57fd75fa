/**
 * `/api/torrents`: add (raw .torrent or JSON magnet), list, inspect and remove torrents.
 * A magnet is answered 201 at once, before its metadata arrives: `name` may be empty and
 * `files` is `[]` until then; clients poll `GET /api/torrents/:infoHash` (`hasMetadata`).
 */
import type { FastifyPluginAsync } from 'fastify'
import { BadRequestError, BadTorrentError, TorrentNotFoundError } from '../errors.js'
import type { Engine, FileStats, Torrent, TorrentState } from '../engine/types.js'
import { parseInfoHash, type TorrentParams } from './params.js'

export const DEFAULT_TORRENT_BODY_LIMIT = 16 * 1024 * 1024

export interface TorrentRoutesInit {
  engine: Engine
  /** Largest accepted request body in bytes; default 16 MiB. */
  bodyLimit?: number
  /** Called once a torrent is added, before the 201 is sent. */
  torrentAdded?: (torrent: Torrent) => void
}

/** Answer to `POST /api/torrents`. */
export interface AddedTorrent {
  infoHash: string
  name: string
  files: Array<{ index: number, path: string, length: number }>
}

/** One torrent in `GET /api/torrents` and `GET /api/torrents/:infoHash`. */
export interface TorrentView {
  infoHash: string
  name: string
  hasMetadata: boolean
  state: TorrentState
  length: number
  /** 0..1 of the wanted bytes. */
  progress: number
  pieceLength: number
  pieceCount: number
  verifiedPieces: number
  peers: number
  seeds: number
  /** Bytes per second. */
  downloadRate: number
  uploadRate: number
  downloadedBytes: number
  uploadedBytes: number
  /** Payload bytes by where they came from. */
  bytesFromPeers: number
  bytesFromWebSeeds: number
  hashFailures: number
  bannedPeers: number
  files: Array<Pick<FileStats, 'index' | 'path' | 'length' | 'verifiedBytes' | 'progress' | 'wanted'>>
  error?: string
}

const TORRENT_TYPES = ['application/x-bittorrent', 'application/octet-stream']

export function torrentRoutes (init: TorrentRoutesInit): FastifyPluginAsync {
  const { engine } = init
  const bodyLimit = init.bodyLimit ?? DEFAULT_TORRENT_BODY_LIMIT

  return async app => {
    app.addContentTypeParser(TORRENT_TYPES, { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
      done(null, body)
    })

    app.post('/api/torrents', { bodyLimit }, async (request, reply) => {
      const torrent = await engine.add(addInput(request.body))
      init.torrentAdded?.(torrent)
      return await reply.code(201).send(added(torrent))
    })

    app.get('/api/torrents', async () => engine.list().map(viewOf))

    app.get<{ Params: TorrentParams }>('/api/torrents/:infoHash', async request => {
      return viewOf(find(engine, request.params.infoHash))
    })

    app.delete<{ Params: TorrentParams, Querystring: { keepData?: string } }>('/api/torrents/:infoHash', {
      schema: {
        querystring: {
          type: 'object',
          properties: { keepData: { type: 'string', enum: ['0', '1', 'true', 'false'] } }
        }
      }
    }, async (request, reply) => {
      const torrent = find(engine, request.params.infoHash)
      const keepData = request.query.keepData === '1' || request.query.keepData === 'true'
      await engine.remove(torrent.infoHash, { keepData })
      return await reply.code(204).send()
    })
  }
}

function addInput (body: unknown): { torrentFile: Uint8Array } | { magnet: string } {
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw new BadTorrentError('the request body is empty; send the bytes of a .torrent file')
    return { torrentFile: body }
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const magnet = (body as Record<string, unknown>).magnet
    if (typeof magnet !== 'string') throw new BadRequestError('the JSON body needs a "magnet" string, like {"magnet": "magnet:?xt=urn:btih:..."}')
    if (!magnet.startsWith('magnet:?')) throw new BadTorrentError(`"${magnet.slice(0, 40)}" is not a magnet link; it must start with "magnet:?"`)
    return { magnet }
  }
  throw new BadRequestError('send a .torrent file as application/x-bittorrent, or {"magnet": "magnet:?..."} as application/json')
}

function find (engine: Engine, rawInfoHash: string): Torrent {
  const infoHash = parseInfoHash(rawInfoHash)
  const torrent = engine.get(infoHash)
  if (torrent === undefined) throw new TorrentNotFoundError(`no torrent ${infoHash} on this box; GET /api/torrents lists them`)
  return torrent
}

function added (torrent: Torrent): AddedTorrent {
  const files = torrent.hasMetadata ? torrent.files() : []
  return {
    infoHash: torrent.infoHash,
    name: torrent.name,
    files: files.map(f => ({ index: f.index, path: f.path, length: f.length }))
  }
}

/** The public view of a torrent's stats; fields are picked so engine internals do not leak. */
export function viewOf (torrent: Torrent): TorrentView {
  const s = torrent.stats()
  const view: TorrentView = {
    infoHash: torrent.infoHash,
    name: s.name,
    hasMetadata: torrent.hasMetadata,
    state: s.state,
    length: s.length,
    progress: s.progress,
    pieceLength: s.pieceLength,
    pieceCount: s.pieceCount,
    verifiedPieces: s.verifiedPieces,
    peers: s.peers,
    seeds: s.seeds,
    downloadRate: s.downloadRate,
    uploadRate: s.uploadRate,
    downloadedBytes: s.downloadedBytes,
    uploadedBytes: s.uploadedBytes,
    bytesFromPeers: s.bytesFromPeers,
    bytesFromWebSeeds: s.bytesFromWebSeeds,
    hashFailures: s.hashFailures,
    bannedPeers: s.bannedPeers,
    files: s.files.map(f => ({
      index: f.index, path: f.path, length: f.length, verifiedBytes: f.verifiedBytes, progress: f.progress, wanted: f.wanted
    }))
  }
  if (s.error !== undefined) view.error = s.error
  return view
}
