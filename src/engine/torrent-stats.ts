/** The numbers the API and /metrics show for one torrent, computed from its session. */
import type { PieceStore } from '../store/index.js'
import type { RateMeter } from '../wire/index.js'
import type { Metainfo } from './metainfo.js'
import type { TorrentState, TorrentStats } from './types.js'

export interface StatsSource {
  readonly infoHash: string
  readonly name: string
  readonly state: TorrentState
  readonly error: string | undefined
  readonly metainfo: Metainfo | undefined
  readonly store: PieceStore | undefined
  readonly downloadMeter: RateMeter
  readonly uploadMeter: RateMeter
  readonly hashFailures: number
  readonly webSeedBytes: number
  readonly bannedCount: number
  readonly peers: ReadonlyMap<string, { readonly isSeed: boolean }>
  pieceSize (piece: number): number
}

export function torrentStats (source: StatsSource, wantedFiles: ReadonlySet<number> | undefined): TorrentStats {
  const { metainfo, store } = source
  let wantedBytes = 0
  let verifiedWanted = 0
  const files = (metainfo?.files ?? []).map(file => {
    const verifiedBytes = verifiedBytesIn(source, file.offset, file.length)
    const wanted = wantedFiles === undefined || wantedFiles.has(file.index)
    if (wanted) { wantedBytes += file.length; verifiedWanted += verifiedBytes }
    return { ...file, verifiedBytes, progress: file.length === 0 ? 1 : verifiedBytes / file.length, wanted }
  })
  let seeds = 0
  for (const peer of source.peers.values()) if (peer.isSeed) seeds++
  const stats: TorrentStats = {
    infoHash: source.infoHash,
    name: source.name,
    state: source.state,
    length: metainfo?.length ?? 0,
    pieceLength: metainfo?.pieceLength ?? 0,
    pieceCount: metainfo?.pieceCount ?? 0,
    verifiedPieces: store?.verifiedCount() ?? 0,
    progress: wantedBytes === 0 ? (metainfo === undefined ? 0 : 1) : verifiedWanted / wantedBytes,
    downloadRate: source.downloadMeter.rate(),
    uploadRate: source.uploadMeter.rate(),
    downloadedBytes: source.downloadMeter.total,
    uploadedBytes: source.uploadMeter.total,
    bytesFromPeers: source.downloadMeter.total - source.webSeedBytes,
    bytesFromWebSeeds: source.webSeedBytes,
    hashFailures: source.hashFailures,
    peers: source.peers.size,
    seeds,
    bannedPeers: source.bannedCount,
    files
  }
  if (source.error !== undefined) stats.error = source.error
  return stats
}

/** Verified bytes inside [offset, offset + length) of the torrent. */
function verifiedBytesIn (source: StatsSource, offset: number, length: number): number {
  const { metainfo, store } = source
  if (metainfo === undefined || store === undefined || length === 0) return 0
  let bytes = 0
  const first = Math.floor(offset / metainfo.pieceLength)
  const last = Math.floor((offset + length - 1) / metainfo.pieceLength)
  for (let piece = first; piece <= last; piece++) {
    if (!store.hasPiece(piece)) continue
    const start = Math.max(offset, piece * metainfo.pieceLength)
    const end = Math.min(offset + length, piece * metainfo.pieceLength + source.pieceSize(piece))
    bytes += end - start
  }
  return bytes
}
