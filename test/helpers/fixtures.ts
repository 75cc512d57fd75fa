/**
 * Test data: deterministic file content, torrents made from it, a local
 * tracker, and file comparison. Content is an AES-256-CTR keystream keyed by a
 * seed string, so any byte range of any fixture file can be recomputed without
 * reading the file (`contentBytes`), and the same options always give the same
 * .torrent and info hash; a fixture file may instead copy a given file (a film).
 * Nothing here announces anywhere but 127.0.0.1.
 */
import { createCipheriv, createHash } from 'node:crypto'
import { closeSync, createReadStream, openSync, readSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import type { Teardown } from './scope.js'
import {
  importUntyped,
  type CreateTorrentInput,
  type CreateTorrentModule,
  type ParseTorrentModule,
  type TrackerModule,
} from './untyped.js'

const CHUNK = 4 * 1024 * 1024

/** `length` bytes of the content stream named `seed`, starting at `offset`. */
export function contentBytes(seed: string, offset: number, length: number): Buffer {
  const block = Math.floor(offset / 16)
  const skip = offset - block * 16
  const out = keystream(seed, block).update(Buffer.alloc(length + skip))
  return skip === 0 ? out : out.subarray(skip)
}

function keystream(seed: string, block: number): ReturnType<typeof createCipheriv> {
  const key = createHash('sha256').update(seed).digest()
  const iv = Buffer.alloc(16)
  iv.writeBigUInt64BE(BigInt(block), 8)
  return createCipheriv('aes-256-ctr', key, iv)
}

/** Writes `length` bytes of the content stream `seed` to `path` (parents created). */
export async function writeContentFile(path: string, seed: string, length: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const fh = await open(path, 'w')
  try {
    const cipher = keystream(seed, 0)
    const zeros = Buffer.alloc(Math.min(CHUNK, Math.max(length, 1)))
    for (let pos = 0; pos < length; pos += CHUNK) {
      const n = Math.min(CHUNK, length - pos)
      await fh.write(cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n)))
    }
  } finally {
    await fh.close()
  }
}

export interface FixtureFileSpec {
  /** Path inside the torrent, `/`-separated. */
  path: string
  length: number
  /** A file whose bytes (exactly `length` of them) are used instead of the seeded content: a real film, say. */
  source?: string
}

export interface TorrentFixtureOptions {
  /** Torrent name: the file name of a single-file torrent, the top folder otherwise. Default: the one file's path. */
  name?: string
  /** One file makes a single-file torrent (its name is `name`); more make a folder `name`. */
  files: FixtureFileSpec[]
  /** Default 32 KiB. */
  pieceLength?: number
  /** Tracker URLs, one tier each. Default none (never the public defaults of create-torrent). */
  announce?: string[]
  /** Web seed URLs (BEP 19). */
  urlList?: string[]
  /** Seed of the content; different seeds give different bytes for the same paths. Default "reel". */
  seed?: string
}

export interface FixtureFile {
  /** Path inside the torrent (without the torrent name for multi-file torrents). */
  path: string
  length: number
  /** Byte offset of the file in the torrent. */
  offset: number
  /** Where the data lives: `join(dir, name, path)`, or `join(dir, name)` for a single file. */
  absPath: string
  /** Content stream name for `contentBytes`. */
  seed: string
  /** The file the bytes were copied from, when not seeded content. */
  source?: string
}

export interface TorrentFixture {
  /** Save path holding the data (what a seeder is given as its save dir). */
  dir: string
  name: string
  torrentFile: Buffer
  /** The .torrent on disk (outside `dir`). */
  torrentPath: string
  infoHash: string
  magnet: string
  files: FixtureFile[]
  pieceLength: number
  pieceCount: number
  totalLength: number
  /** Bytes `offset..offset+length` of file `index`, computed, not read. */
  expectedBytes(index: number, offset: number, length: number): Buffer
}

/** Fixed so that the same options always give the same torrent bytes. */
const CREATION_DATE = new Date('2024-01-01T00:00:00Z')

/**
 * Writes the fixture's files and makes its torrent. Given a `Teardown` (a tap
 * test), everything goes in a fresh temporary folder removed on teardown;
 * given a path, that folder is used and kept (`dir` is `<path>/data`).
 */
export async function makeTorrentFixture(where: Teardown | string, opts: TorrentFixtureOptions): Promise<TorrentFixture> {
  const base = typeof where === 'string' ? where : await tempDir(where, 'reel-fixture-')
  const first = opts.files[0]
  if (first === undefined) throw new Error('a torrent fixture needs at least one file')
  const single = opts.files.length === 1
  const name = opts.name ?? first.path
  const seedBase = opts.seed ?? 'reel'
  const dir = join(base, 'data')
  let offset = 0
  const files: FixtureFile[] = opts.files.map(f => {
    if (f.path.startsWith('/') || f.path.split('/').some(p => p === '' || p === '..' || p.startsWith('.'))) {
      throw new Error(`fixture path must be relative, without empty, dot or hidden parts: ${f.path}`)
    }
    const file: FixtureFile = {
      path: single ? name : f.path,
      length: f.length,
      offset,
      absPath: single ? join(dir, name) : join(dir, name, ...f.path.split('/')),
      seed: `${seedBase}/${name}/${f.path}`,
      ...(f.source !== undefined ? { source: f.source } : {}),
    }
    offset += f.length
    return file
  })
  for (const f of files) {
    if (f.source === undefined) {
      await writeContentFile(f.absPath, f.seed, f.length)
      continue
    }
    const size = (await stat(f.source)).size
    if (size !== f.length) throw new Error(`fixture source ${f.source} holds ${size} bytes, not the ${f.length} given for ${f.path}`)
    await mkdir(dirname(f.absPath), { recursive: true })
    await copyFile(f.source, f.absPath)
  }

  const pieceLength = opts.pieceLength ?? 32 * 1024
  const input = files.map(f => {
    const stream = createReadStream(f.absPath) as unknown as CreateTorrentInput
    stream.name = single ? name : `${name}/${f.path}`
    return stream
  })
  const { default: createTorrent } = await importUntyped<CreateTorrentModule>('create-torrent')
  const torrent = await new Promise<Uint8Array>((resolve, reject) => {
    createTorrent(input, {
      name,
      announceList: (opts.announce ?? []).map(u => [u]),
      ...(opts.urlList !== undefined ? { urlList: opts.urlList } : {}),
      pieceLength,
      private: false,
      createdBy: 'reel-test-fixtures',
      creationDate: CREATION_DATE,
    }, (err, buf) => err !== null && err !== undefined ? reject(err) : resolve(buf))
  })
  const torrentFile = Buffer.from(torrent)
  const torrentPath = join(base, `${name}.torrent`)
  await writeFile(torrentPath, torrentFile)
  const parseTorrent = await importUntyped<ParseTorrentModule>('parse-torrent')
  const parsed = await parseTorrent.default(torrentFile)
  return {
    dir,
    name,
    torrentFile,
    torrentPath,
    infoHash: parsed.infoHash,
    magnet: parseTorrent.toMagnetURI(parsed),
    files,
    pieceLength,
    pieceCount: Math.ceil(offset / pieceLength),
    totalLength: offset,
    expectedBytes(index, at, length) {
      const f = files[index]
      if (f === undefined) throw new RangeError(`no file ${index}`)
      return f.source === undefined ? contentBytes(f.seed, at, length) : bytesOfFile(f.absPath, at, length)
    },
  }
}

function bytesOfFile(path: string, at: number, length: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const out = Buffer.alloc(length)
    const got = readSync(fd, out, 0, length, at)
    return out.subarray(0, got)
  } finally {
    closeSync(fd)
  }
}

/** A fresh folder under the OS temp dir, removed on teardown. */
export async function tempDir(scope: Teardown, prefix = 'reel-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  scope.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export interface LocalTracker {
  /** `http://127.0.0.1:PORT/announce` */
  announceUrl: string
  /** `udp://127.0.0.1:PORT` */
  udpUrl: string
  /** `ws://127.0.0.1:PORT` (same port as HTTP) when started with `ws: true`. */
  wsUrl: string | undefined
  /** Seeders and leechers the tracker knows for a torrent. */
  swarm(infoHash: string): { complete: number, incomplete: number } | undefined
  close(): Promise<void>
}

export interface TrackerOptions {
  /** Re-announce interval told to clients, ms. Default 10 s (libtorrent still waits its own minimum). */
  intervalMs?: number
  /** Also serve WebSocket (WebRTC signalling) announces on the HTTP port. Default off. */
  ws?: boolean
}

/** A bittorrent-tracker server on 127.0.0.1 (HTTP and UDP; WebSocket only when asked), closed on teardown. */
export async function startTracker(scope: Teardown, opts: TrackerOptions = {}): Promise<LocalTracker> {
  const { Server } = await importUntyped<TrackerModule>('bittorrent-tracker')
  const ws = opts.ws ?? false
  const server = new Server({ http: true, udp: true, ws, stats: false, interval: opts.intervalMs ?? 10_000 })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ http: 0, udp: 0 }, { http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', () => {}) // bad requests from clients must not crash the test
  const httpAddr = server.http?.address()
  const udpAddr = server.udp4?.address()
  if (httpAddr === null || httpAddr === undefined || typeof httpAddr === 'string' || udpAddr === undefined) {
    throw new Error('tracker did not report its addresses')
  }
  let closed: Promise<void> | undefined
  const tracker: LocalTracker = {
    announceUrl: `http://127.0.0.1:${httpAddr.port}/announce`,
    udpUrl: `udp://127.0.0.1:${udpAddr.port}`,
    wsUrl: ws ? `ws://127.0.0.1:${httpAddr.port}` : undefined,
    swarm(infoHash) {
      const s = server.torrents[infoHash]
      return s === undefined ? undefined : { complete: s.complete, incomplete: s.incomplete }
    },
    close() {
      closed ??= new Promise(resolve => server.close(() => resolve()))
      return closed
    },
  }
  scope.teardown(() => tracker.close())
  return tracker
}

/** Hex SHA-1 of a file's content. */
export async function sha1File(path: string): Promise<string> {
  const hash = createHash('sha1')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export interface DirComparison {
  equal: boolean
  /** One line per difference: `only in a: x`, `only in b: x`, `differs: x`. */
  differences: string[]
}

/**
 * Compares two folder trees by relative path and SHA-1 of each regular file.
 * `ignore` drops paths (relative, `/`-separated) from both sides.
 */
export async function compareDirs(a: string, b: string, ignore: (rel: string) => boolean = () => false): Promise<DirComparison> {
  const [fa, fb] = await Promise.all([listFiles(a), listFiles(b)])
  const sa = new Set(fa.filter(p => !ignore(p)))
  const sb = new Set(fb.filter(p => !ignore(p)))
  const differences: string[] = []
  for (const p of sa) if (!sb.has(p)) differences.push(`only in a: ${p}`)
  for (const p of sb) if (!sa.has(p)) differences.push(`only in b: ${p}`)
  for (const p of sa) {
    if (!sb.has(p)) continue
    const [ha, hb] = await Promise.all([sha1File(join(a, p)), sha1File(join(b, p))])
    if (ha !== hb) differences.push(`differs: ${p}`)
  }
  differences.sort()
  return { equal: differences.length === 0, differences }
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries
    .filter(e => e.isFile())
    .map(e => relative(root, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .sort()
}
