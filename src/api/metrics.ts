/**
 * `GET /metrics`: engine-wide totals (`reel_*`) and per-torrent series (`reel_torrent_*`,
 * label `infoHash`) in Prometheus text format. Bytes by origin carry `source="peer"|"webseed"`.
 * Totals and per-torrent series have different names so that sums never double count.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { Engine, EngineStats, TorrentStats } from '../engine/types.js'
import { PROMETHEUS_CONTENT_TYPE, renderMetrics, type MetricFamily, type MetricType } from './prometheus-text.js'

interface Definition<S> { name: string, help: string, type: MetricType, value: (s: S) => number }

const ENGINE_METRICS: ReadonlyArray<Definition<EngineStats>> = [
  { name: 'reel_torrents', type: 'gauge', help: 'Torrents on the box.', value: s => s.torrents },
  { name: 'reel_peers', type: 'gauge', help: 'Connected peers over all torrents.', value: s => s.peers },
  { name: 'reel_download_rate_bytes_per_second', type: 'gauge', help: 'Payload download rate over all torrents, bytes per second.', value: s => s.downloadRate },
  { name: 'reel_upload_rate_bytes_per_second', type: 'gauge', help: 'Payload upload rate over all torrents, bytes per second.', value: s => s.uploadRate },
  { name: 'reel_downloaded_bytes_total', type: 'counter', help: 'Payload bytes received, verified or not.', value: s => s.downloadedBytes },
  { name: 'reel_uploaded_bytes_total', type: 'counter', help: 'Payload bytes sent to peers.', value: s => s.uploadedBytes },
  { name: 'reel_verified_pieces', type: 'gauge', help: 'Pieces verified on disk over all torrents.', value: s => s.verifiedPieces },
  { name: 'reel_hash_failures_total', type: 'counter', help: 'Pieces that failed their SHA-1 check.', value: s => s.hashFailures },
  { name: 'reel_banned_peers', type: 'gauge', help: 'Peers banned for sending bad data.', value: s => s.bannedPeers }
]

const TORRENT_METRICS: ReadonlyArray<Definition<TorrentStats>> = [
  { name: 'reel_torrent_peers', type: 'gauge', help: 'Connected peers of the torrent.', value: s => s.peers },
  { name: 'reel_torrent_seeds', type: 'gauge', help: 'Connected peers that have every piece.', value: s => s.seeds },
  { name: 'reel_torrent_progress_ratio', type: 'gauge', help: 'Verified share of the wanted bytes, 0 to 1.', value: s => s.progress },
  { name: 'reel_torrent_download_rate_bytes_per_second', type: 'gauge', help: 'Payload download rate, bytes per second.', value: s => s.downloadRate },
  { name: 'reel_torrent_upload_rate_bytes_per_second', type: 'gauge', help: 'Payload upload rate, bytes per second.', value: s => s.uploadRate },
  { name: 'reel_torrent_downloaded_bytes_total', type: 'counter', help: 'Payload bytes received, verified or not.', value: s => s.downloadedBytes },
  { name: 'reel_torrent_uploaded_bytes_total', type: 'counter', help: 'Payload bytes sent to peers.', value: s => s.uploadedBytes },
  { name: 'reel_torrent_verified_pieces', type: 'gauge', help: 'Pieces verified on disk.', value: s => s.verifiedPieces },
  { name: 'reel_torrent_pieces', type: 'gauge', help: 'Pieces in the torrent (0 until metadata is known).', value: s => s.pieceCount },
  { name: 'reel_torrent_hash_failures_total', type: 'counter', help: 'Pieces that failed their SHA-1 check.', value: s => s.hashFailures },
  { name: 'reel_torrent_banned_peers', type: 'gauge', help: 'Peers banned for sending bad data.', value: s => s.bannedPeers }
]

/** The exposition text for the engine's current stats. */
export function metricsText (engine: Engine): string {
  const total = engine.stats()
  const torrents = engine.list().map(t => t.stats())
  const families: MetricFamily[] = ENGINE_METRICS.map(d => ({ name: d.name, help: d.help, type: d.type, samples: [{ value: d.value(total) }] }))
  families.push({
    name: 'reel_received_bytes_total',
    type: 'counter',
    help: 'Payload bytes received over all torrents, by source.',
    samples: [
      { labels: { source: 'peer' }, value: total.bytesFromPeers },
      { labels: { source: 'webseed' }, value: total.bytesFromWebSeeds }
    ]
  })
  for (const d of TORRENT_METRICS) {
    families.push({
      name: d.name,
      help: d.help,
      type: d.type,
      samples: torrents.map(s => ({ labels: { infoHash: s.infoHash }, value: d.value(s) }))
    })
  }
  families.push({
    name: 'reel_torrent_received_bytes_total',
    type: 'counter',
    help: 'Payload bytes received, by source.',
    samples: torrents.flatMap(s => [
      { labels: { infoHash: s.infoHash, source: 'peer' }, value: s.bytesFromPeers },
      { labels: { infoHash: s.infoHash, source: 'webseed' }, value: s.bytesFromWebSeeds }
    ])
  })
  families.push(...processFamilies())
  return renderMetrics(families)
}

/** The daemon's own memory, so a box's RAM budget can be watched like everything else. */
function processFamilies (): MetricFamily[] {
  const memory = process.memoryUsage()
  const gauge = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ value }] })
  return [
    gauge('process_resident_memory_bytes', 'Resident set size of the daemon, bytes.', memory.rss),
    gauge('nodejs_heap_used_bytes', 'V8 heap in use, bytes.', memory.heapUsed),
    gauge('nodejs_external_memory_bytes', 'Memory held outside the V8 heap (buffers), bytes.', memory.external),
    gauge('nodejs_array_buffers_bytes', 'Memory held by ArrayBuffers and Buffers, bytes.', memory.arrayBuffers)
  ]
}

export function metricsRoutes (init: { engine: Engine }): FastifyPluginAsync {
  return async app => {
    app.get('/metrics', async (_request, reply) => {
      return await reply.header('content-type', PROMETHEUS_CONTENT_TYPE).send(metricsText(init.engine))
    })
  }
}
