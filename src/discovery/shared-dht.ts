/** One DHT node per daemon, shared by every torrent's discovery. Off in demo, tests and benches. */
import { Client as DHT } from 'bittorrent-dht'

export interface SharedDht { readonly client: unknown, destroy (): Promise<void> }

export function startSharedDht (port: number): SharedDht {
  const client = new DHT()
  client.on('error', () => {})
  client.on('warning', () => {})
  client.listen(port)
  return {
    client,
    destroy: async () => await new Promise<void>(resolve => client.destroy(() => resolve()))
  }
}
