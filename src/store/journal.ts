/**
 * The resume journal: one self-checking snapshot of the verified-and-durable bitfield, replaced
 * atomically (tmp file, fsync, rename, fsync dir). A torn, corrupt or foreign snapshot is never
 * trusted: decoding reports why, and the store starts empty instead.
 *
 * Layout: magic (8) | version u32 | meta length u32 | bitfield length u32 | meta JSON | bitfield | SHA-1 of all before (20)
 */
import { createHash } from 'node:crypto'
import { dirname } from 'node:path'
import { Bitfield } from './bitfield.js'
import { errnoCode, type StoreFs } from './store-fs.js'

const MAGIC = Buffer.from('REELJRNL', 'latin1')
const VERSION = 1
const HEADER = MAGIC.length + 12
const CHECKSUM = 20

/** What a snapshot must match to be trusted: the torrent's identity and shape. */
export interface JournalMeta {
  infoHash: string
  pieceLength: number
  pieceCount: number
  files: ReadonlyArray<{ path: string, length: number }>
}

export type JournalReadResult =
  | { ok: true, bits: Uint8Array }
  | { ok: false, missing: boolean, reason: string }

function metaBytes (meta: JournalMeta): Buffer {
  // Key order fixed here so equal metadata always encodes to equal bytes.
  return Buffer.from(JSON.stringify({
    infoHash: meta.infoHash.toLowerCase(),
    pieceLength: meta.pieceLength,
    pieceCount: meta.pieceCount,
    files: meta.files.map(f => [f.path, f.length])
  }), 'utf8')
}

export function encodeJournal (meta: JournalMeta, bits: Uint8Array): Buffer {
  const m = metaBytes(meta)
  const head = Buffer.alloc(HEADER)
  MAGIC.copy(head, 0)
  head.writeUInt32BE(VERSION, 8)
  head.writeUInt32BE(m.length, 12)
  head.writeUInt32BE(bits.length, 16)
  const body = Buffer.concat([head, m, bits])
  return Buffer.concat([body, createHash('sha1').update(body).digest()])
}

export function decodeJournal (bytes: Uint8Array, meta: JournalMeta): JournalReadResult {
  const fail = (reason: string): JournalReadResult => ({ ok: false, missing: false, reason })
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < HEADER + CHECKSUM) return fail('torn: shorter than its header')
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return fail('not a Reel resume journal')
  if (buf.readUInt32BE(8) !== VERSION) return fail(`unknown version ${buf.readUInt32BE(8)}`)
  const metaLength = buf.readUInt32BE(12)
  const bitsLength = buf.readUInt32BE(16)
  if (buf.length !== HEADER + metaLength + bitsLength + CHECKSUM) return fail('torn: length does not match its header')
  const bodyEnd = HEADER + metaLength + bitsLength
  const digest = createHash('sha1').update(buf.subarray(0, bodyEnd)).digest()
  if (!digest.equals(buf.subarray(bodyEnd))) return fail('checksum mismatch')
  if (!buf.subarray(HEADER, HEADER + metaLength).equals(metaBytes(meta))) {
    return fail('written for other torrent metadata (info hash, piece length or files differ)')
  }
  const bits = new Uint8Array(buf.subarray(HEADER + metaLength, bodyEnd))
  if (!Bitfield.fits(meta.pieceCount, bits)) return fail('bitfield does not fit the piece count')
  return { ok: true, bits }
}

export async function readJournal (fs: StoreFs, file: string, meta: JournalMeta): Promise<JournalReadResult> {
  let bytes: Buffer
  try {
    bytes = await fs.readFile(file)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { ok: false, missing: true, reason: 'no resume journal yet' }
    throw err
  }
  return decodeJournal(bytes, meta)
}

/** Replaces `file` with `bytes` so that after a power cut it holds either the old or the new snapshot. */
export async function writeJournalAtomic (fs: StoreFs, file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`
  const handle = await fs.open(tmp, 'w', 0o644)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await fs.rename(tmp, file)
  // The rename lives in the directory; without this fsync a power cut may forget it.
  const dir = await fs.open(dirname(file), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
