// Minimal typings for the untyped WebTorrent-family packages Reel uses. Only what Reel calls is declared.

declare module 'bencode' {
  const bencode: {
    encode (value: unknown): Uint8Array
    decode (data: Uint8Array, start?: number, end?: number, encoding?: string): any
  }
  export default bencode
}

declare module 'parse-torrent' {
  export interface ParsedTorrent {
    infoHash: string
    name?: string
    announce?: string[]
    urlList?: string[]
    peerAddresses?: string[]
    info?: any
    infoBuffer?: Uint8Array
    pieceLength?: number
    lastPieceLength?: number
    pieces?: string[]
    length?: number
    private?: boolean
    files?: Array<{ path: string, name: string, length: number, offset: number }>
  }
  export default function parseTorrent (input: string | Uint8Array | object): Promise<ParsedTorrent>
  export function toTorrentFile (parsed: object): Uint8Array
  export function toMagnetURI (parsed: object): string
}

declare module 'bittorrent-protocol' {
  import { Duplex } from 'node:stream'
  export interface WireExtensionHandler {
    onHandshake?: (infoHash: string, peerId: string, extensions: Record<string, boolean>) => void
    onExtendedHandshake?: (handshake: Record<string, any>) => void
    onMessage?: (buf: Uint8Array) => void
  }
  export interface BitFieldLike { get (index: number): boolean, buffer: Uint8Array }
  export default class Wire extends Duplex {
    constructor (type?: string, peEnabled?: number)
    type: string
    peerId: string | null
    amChoking: boolean
    amInterested: boolean
    peerChoking: boolean
    peerInterested: boolean
    peerPieces: BitFieldLike
    peerExtensions: Record<string, boolean>
    peerExtendedHandshake: Record<string, any>
    requests: Array<{ piece: number, offset: number, length: number }>
    peerRequests: Array<{ piece: number, offset: number, length: number }>
    hasFast: boolean
    extendedHandshake: Record<string, any>
    uploaded: number
    downloaded: number
    [extension: string]: any
    setKeepAlive (enable: boolean): void
    setTimeout (ms: number, unref?: boolean): void
    use (extension: any): void
    handshake (infoHash: string | Uint8Array, peerId: string | Uint8Array, extensions?: Record<string, boolean>): void
    choke (): void
    unchoke (): void
    interested (): void
    uninterested (): void
    have (index: number): void
    bitfield (bitfield: Uint8Array | BitFieldLike): void
    request (index: number, offset: number, length: number, cb: (err: Error | null, block?: Uint8Array) => void): void
    piece (index: number, offset: number, buffer: Uint8Array): void
    cancel (index: number, offset: number, length: number): void
    reject (index: number, offset: number, length: number): void
    haveAll (): void
    haveNone (): void
    override destroy (): this
    /** Parser internals (not public API) that GuardedWire hooks to validate message framing. */
    _onMessageLength (buffer: Uint8Array): void
    _onMessage (buffer: Uint8Array): void
    _write (data: Uint8Array, cb: (err: Error | null) => void): void
    _buffer: Uint8Array[]
    _bufferSize: number
    _parserSize: number
    _parser: (buffer: Uint8Array) => void
    _encryptor: { decrypt (data: Uint8Array): Uint8Array } | null
  }
}

declare module 'ut_metadata' {
  export default function utMetadata (metadata?: Uint8Array): any
}

declare module 'ut_pex' {
  export default function utPex (): any
}

declare module 'torrent-discovery' {
  import { EventEmitter } from 'node:events'
  export default class Discovery extends EventEmitter {
    constructor (opts: Record<string, unknown>)
    tracker: any
    dht: any
    lsd: any
    updatePort (port: number): void
    complete (opts?: Record<string, unknown>): void
    destroy (cb?: (err?: Error) => void): void
  }
}

declare module 'bittorrent-tracker' {
  import { EventEmitter } from 'node:events'
  export class Server extends EventEmitter {
    constructor (opts: Record<string, unknown>)
    http: import('node:http').Server | null
    udp: any
    listen (port: number, hostname?: string | Record<string, string>, cb?: () => void): void
    close (cb?: () => void): void
  }
  export class Client extends EventEmitter {
    constructor (opts: Record<string, unknown>)
  }
}

declare module 'create-torrent' {
  function createTorrent (input: string | string[] | Uint8Array | Array<Uint8Array & { name?: string }>, opts: Record<string, unknown>, cb: (err: Error | null, torrent: Uint8Array) => void): void
  export default createTorrent
}

declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events'
  export class Client extends EventEmitter {
    constructor (opts?: Record<string, unknown>)
    listen (port?: number, cb?: () => void): void
    destroy (cb?: () => void): void
  }
}
