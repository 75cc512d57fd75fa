/** One DHT node per daemon, shared by every torrent's discovery. Off in demo, tests and benches. */
import { Client as DHT } from 'bittorrent-dht'

export interface SharedDht { readonly client: unknown, destroy (): Promise<void> }

/**
 * Starts the DHT node on the peer port (UDP). `bootstrap` replaces the public bootstrap
 * routers ("host:port"); tests pass a node of their own on 127.0.0.1.
 */
export function startSharedDht (port: number, bootstrap?: readonly string[]): SharedDht {
  const client = new DHT(bootstrap === undefined ? {} : { bootstrap: [...bootstrap] })
  client.on('error', () => {})
  client.on('warning', () => {})
  client.listen(port)
  return {
    client,
    destroy: async () => await new Promise<void>(resolve => client.destroy(() => resolve()))
  }
}
