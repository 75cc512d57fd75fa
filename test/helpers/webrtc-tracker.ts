/**
 * A bittorrent-tracker server that speaks the WebTorrent signalling protocol (WebSocket) and
 * HTTP on one port, bound to a chosen address: a test network's own address rather than the
 * loopback `startTracker` uses, so peers in other namespaces reach it.
 */
import { importUntyped, type TrackerModule } from './untyped.js'

export interface SignallingTracker {
  /** `ws://HOST:PORT` */
  wsUrl: string
  /** `http://HOST:PORT/announce` (TCP peers). */
  announceUrl: string
  close (): Promise<void>
}

export async function startSignallingTracker (host: string, port = 0, intervalMs = 5_000): Promise<SignallingTracker> {
  const { Server } = await importUntyped<TrackerModule>('bittorrent-tracker')
  const server = new Server({ http: true, udp: false, ws: true, stats: false, interval: intervalMs })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ http: port, udp: 0 }, { http: host, udp: host, udp6: '::1' }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', () => {})
  const address = server.http?.address()
  if (address === null || address === undefined || typeof address === 'string') throw new Error('tracker did not report its address')
  let closed: Promise<void> | undefined
  return {
    wsUrl: `ws://${host}:${address.port}`,
    announceUrl: `http://${host}:${address.port}/announce`,
    close: async () => { closed ??= new Promise(resolve => server.close(() => resolve())); await closed }
  }
}
