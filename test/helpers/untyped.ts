/**
 * create-torrent, parse-torrent and bittorrent-tracker ship no types. Rather
 * than declaring ambient modules (which would clash with declarations src/
 * may add), the helpers import them by a string-typed specifier and describe
 * the little they use with local interfaces.
 */
import type { EventEmitter } from 'node:events'
import type { Readable } from 'node:stream'

export async function importUntyped<T>(specifier: string): Promise<T> {
  return (await import(specifier)) as T
}

export interface CreateTorrentOptions {
  name: string
  announceList: string[][]
  urlList?: string[]
  pieceLength: number
  private: boolean
  createdBy: string
  creationDate: Date
  comment?: string
}

export type CreateTorrentInput = Readable & { name: string }

export interface CreateTorrentModule {
  default: (input: CreateTorrentInput[], opts: CreateTorrentOptions,
    cb: (err: Error | null, torrent: Uint8Array) => void) => void
}

export interface ParsedTorrent {
  infoHash: string
  name: string
  length: number
  pieceLength: number
  pieces: string[]
  files: Array<{ path: string, name: string, length: number, offset: number }>
  announce: string[]
  urlList: string[]
}

export interface ParseTorrentModule {
  default: (torrent: Uint8Array | string) => Promise<ParsedTorrent>
  toMagnetURI: (parsed: Partial<ParsedTorrent> & { infoHash: string }) => string
}

export interface TrackerServer extends EventEmitter {
  http: { address(): { port: number } | string | null } | null
  udp4: { address(): { port: number } } | null
  torrents: Record<string, { complete: number, incomplete: number, peers: { keys: string[] } } | undefined>
  listen(port: { http: number, udp: number }, hostname: { http: string, udp: string, udp6: string }, cb: () => void): void
  close(cb: (err?: Error) => void): void
}

export interface TrackerModule {
  Server: new (opts: { http: boolean, udp: boolean, ws: boolean, stats: boolean, interval?: number }) => TrackerServer
}
