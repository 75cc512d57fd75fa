/**
 * Keyframe times of an MP4/MOV file from its `moov` index alone (sync samples `stss`, decode
 * times `stts`, composition offsets `ctts`, the edit list), read wherever the moov sits: at the
 * front, or at the end after the `mdat` (the engine fetches a file's tail first for this).
 * Times follow ffmpeg's mov demuxer: pts = dts + cts - edit media_time, plus leading empty edits.
 * Fragmented MP4 (samples in `moof`) has no such index: the answer is undefined. The moov's
 * `mvhd` also gives the film's duration, which tells a reader of the file its playback rate.
 */
import type { ReadRange } from './range-read.js'

const MAX_MOOV_BYTES = 256 * 1024 * 1024
/** Muxers write `mvhd` first in the moov: the duration needs no more than this of it. */
const MVHD_WITHIN_BYTES = 4096

interface Box { type: string, start: number, contentStart: number, end: number }

/** Keyframe presentation times (seconds) of the first video track, or undefined when this is not an indexed MP4. */
export async function mp4Keyframes (read: ReadRange, fileLength: number, signal?: AbortSignal): Promise<number[] | undefined> {
  const moov = await readMoov(read, fileLength, signal)
  return moov === undefined ? undefined : keyframesFromMoov(moov)
}

/** The movie's duration in seconds from the moov's `mvhd`, or undefined when this is not an indexed MP4 or it gives none. */
export async function mp4Duration (read: ReadRange, fileLength: number, signal?: AbortSignal): Promise<number | undefined> {
  const moov = await readMoov(read, fileLength, signal, MVHD_WITHIN_BYTES)
  const root = moov === undefined ? undefined : boxAt(moov, 0, moov.length, 0, moov.length)
  const mvhd = moov === undefined || root?.type !== 'moov' ? undefined : child(moov, root, 'mvhd')
  if (moov === undefined || mvhd === undefined) return undefined
  const view = new DataView(moov.buffer, moov.byteOffset, moov.byteLength)
  const at = mvhd.contentStart
  const version = moov[at]
  if ((version === 1 ? at + 32 : at + 20) > Math.min(moov.length, mvhd.end)) return undefined
  const timescale = view.getUint32(at + (version === 1 ? 20 : 12))
  const duration = version === 1 ? Number(view.getBigUint64(at + 24)) : view.getUint32(at + 16)
  // All ones means "unknown" (ISO/IEC 14496-12).
  const unknown = version === 1 ? duration >= Number.MAX_SAFE_INTEGER : duration === 0xffffffff
  return timescale === 0 || duration === 0 || unknown ? undefined : duration / timescale
}

/**
 * The `moov` box (its first `prefix` bytes when given), found by walking the top-level boxes
 * from the start; undefined when there is none before a `moof`.
 */
async function readMoov (read: ReadRange, fileLength: number, signal?: AbortSignal, prefix?: number): Promise<Uint8Array | undefined> {
  let offset = 0
  while (offset + 8 <= fileLength) {
    const head = await read(offset, 16, signal)
    const box = boxAt(head, 0, head.length, offset, fileLength)
    if (box === undefined) return undefined
    if (box.type === 'moof') return undefined
    if (box.type === 'moov') {
      const size = Math.min(box.end - box.start, prefix ?? Infinity)
      if (size > MAX_MOOV_BYTES) return undefined
      const moov = await read(box.start, size, signal)
      return moov.length < size ? undefined : moov
    }
    if (offset === 0 && box.type !== 'ftyp' && box.type !== 'free' && box.type !== 'wide' && box.type !== 'skip') return undefined
    offset = box.end
  }
  return undefined
}

/** Keyframe times (seconds) of the first video track of a complete `moov` box. */
export function keyframesFromMoov (moov: Uint8Array): number[] | undefined {
  const root = boxAt(moov, 0, moov.length, 0, moov.length)
  if (root?.type !== 'moov') return undefined
  const view = new DataView(moov.buffer, moov.byteOffset, moov.byteLength)
  const mvhd = child(moov, root, 'mvhd')
  const movieTimescale = mvhd === undefined ? 1000 : view.getUint32(mvhd.contentStart + (moov[mvhd.contentStart] === 1 ? 20 : 12))
  for (const trak of children(moov, root).filter(b => b.type === 'trak')) {
    const mdia = child(moov, trak, 'mdia')
    const hdlr = mdia === undefined ? undefined : child(moov, mdia, 'hdlr')
    if (mdia === undefined || hdlr === undefined || fourcc(moov, hdlr.contentStart + 8) !== 'vide') continue
    const mdhd = child(moov, mdia, 'mdhd')
    const stbl = path(moov, mdia, ['minf', 'stbl'])
    if (mdhd === undefined || stbl === undefined) return undefined
    const timescale = view.getUint32(mdhd.contentStart + (moov[mdhd.contentStart] === 1 ? 20 : 12))
    const stts = child(moov, stbl, 'stts')
    if (stts === undefined || timescale === 0) return undefined
    const decode = runs(view, stts.contentStart, false)
    const ctts = child(moov, stbl, 'ctts')
    const composition = ctts === undefined ? [] : runs(view, ctts.contentStart, true)
    const stss = child(moov, stbl, 'stss')
    const sampleCount = decode.reduce((n, r) => n + r.count, 0)
    const sync = stss === undefined ? undefined : syncSamples(view, stss.contentStart)
    const { mediaTime, delay } = editList(moov, view, trak, movieTimescale)
    const times: number[] = []
    const dts = new RunCursor(decode, true)
    const cts = new RunCursor(composition, false)
    const wanted = sync ?? Array.from({ length: sampleCount }, (_, i) => i + 1)
    for (const sample of wanted) {
      if (sample < 1 || sample > sampleCount) continue
      const pts = dts.at(sample - 1) + cts.at(sample - 1) - mediaTime
      times.push(pts / timescale + delay)
    }
    return times
  }
  return undefined
}

/** Walks (count, value) runs: cumulative (stts: decode time of sample n) or plain (ctts: offset of sample n). */
class RunCursor {
  private run = 0
  private first = 0
  private base = 0
  constructor (private readonly table: Array<{ count: number, value: number }>, private readonly cumulative: boolean) {}

  /** Samples must be asked in increasing order. */
  at (sample: number): number {
    for (;;) {
      const r = this.table[this.run]
      if (r === undefined) return this.cumulative ? this.base : 0
      if (sample < this.first + r.count) return this.cumulative ? this.base + (sample - this.first) * r.value : r.value
      this.base += r.count * r.value
      this.first += r.count
      this.run++
    }
  }
}

function runs (view: DataView, at: number, signed: boolean): Array<{ count: number, value: number }> {
  const count = view.getUint32(at + 4)
  const out = []
  for (let i = 0, p = at + 8; i < count && p + 8 <= view.byteLength; i++, p += 8) {
    out.push({ count: view.getUint32(p), value: signed ? view.getInt32(p + 4) : view.getUint32(p + 4) })
  }
  return out
}

function syncSamples (view: DataView, at: number): number[] {
  const count = view.getUint32(at + 4)
  const out = []
  for (let i = 0, p = at + 8; i < count && p + 4 <= view.byteLength; i++, p += 4) out.push(view.getUint32(p))
  return out
}

/** The first media edit's start (media timescale) and the seconds of empty edits before it. */
function editList (buf: Uint8Array, view: DataView, trak: Box, movieTimescale: number): { mediaTime: number, delay: number } {
  const elst = path(buf, trak, ['edts', 'elst'])
  if (elst === undefined) return { mediaTime: 0, delay: 0 }
  const version = buf[elst.contentStart]
  const count = view.getUint32(elst.contentStart + 4)
  let delay = 0
  for (let i = 0, p = elst.contentStart + 8; i < count; i++) {
    const duration = version === 1 ? Number(view.getBigUint64(p)) : view.getUint32(p)
    const mediaTime = version === 1 ? Number(view.getBigInt64(p + 8)) : view.getInt32(p + 4)
    p += version === 1 ? 20 : 12
    if (mediaTime === -1) { delay += duration / movieTimescale; continue }
    return { mediaTime, delay }
  }
  return { mediaTime: 0, delay }
}

/** The box whose header starts at `at` in `buf` (`base` is `buf[0]`'s file offset). */
function boxAt (buf: Uint8Array, at: number, limit: number, base: number, fileLength: number): Box | undefined {
  if (at + 8 > limit) return undefined
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let size = view.getUint32(at)
  const type = fourcc(buf, at + 4)
  let header = 8
  if (size === 1) {
    if (at + 16 > limit) return undefined
    size = Number(view.getBigUint64(at + 8))
    header = 16
  } else if (size === 0) {
    size = fileLength - (base + at)
  }
  if (size < header || !/^[\x20-\x7e]{4}$/.test(type)) return undefined
  return { type, start: base + at, contentStart: at + header, end: base + at + size }
}

/** Child boxes; offsets are buffer offsets (every box here was parsed with base 0). */
function children (buf: Uint8Array, parent: Box): Box[] {
  const out: Box[] = []
  const end = Math.min(buf.length, parent.end)
  for (let at = parent.contentStart; at + 8 <= end;) {
    const box = boxAt(buf, at, end, 0, end)
    if (box === undefined || box.end > end) break
    out.push(box)
    at = box.end
  }
  return out
}

function child (buf: Uint8Array, parent: Box, type: string): Box | undefined {
  return children(buf, parent).find(b => b.type === type)
}

function path (buf: Uint8Array, parent: Box, types: string[]): Box | undefined {
  let box: Box | undefined = parent
  for (const type of types) box = box === undefined ? undefined : child(buf, box, type)
  return box
}

function fourcc (buf: Uint8Array, at: number): string {
  return String.fromCharCode(buf[at] ?? 0, buf[at + 1] ?? 0, buf[at + 2] ?? 0, buf[at + 3] ?? 0)
}
