/**
 * Keyframe times of a Matroska/WebM file from its Cues, found through the SeekHead at the
 * start of the Segment (muxers write Cues at the end and point to them there; the engine
 * fetches a file's tail first). Only cue points of the first video track count. No SeekHead
 * entry for Cues, an unknown-size Segment or cues without the video track: undefined. The
 * Segment's Info also gives the film's duration, which tells a reader of the file its playback rate.
 */
import type { ReadRange } from './range-read.js'

const EBML_HEADER = 0x1A45DFA3
const SEGMENT = 0x18538067
const SEEK_HEAD = 0x114D9B74
const SEEK = 0x4DBB
const SEEK_ID = 0x53AB
const SEEK_POSITION = 0x53AC
const INFO = 0x1549A966
const TIMESTAMP_SCALE = 0x2AD7B1
const DURATION = 0x4489
const TRACKS = 0x1654AE6B
const TRACK_ENTRY = 0xAE
const TRACK_NUMBER = 0xD7
const TRACK_TYPE = 0x83
const CUES = 0x1C53BB6B
const CUE_POINT = 0xBB
const CUE_TIME = 0xB3
const CUE_TRACK_POSITIONS = 0xB7
const CUE_TRACK = 0xF7
const CLUSTER = 0x1F43B675

const HEAD_BYTES = 64 * 1024
/** Nanoseconds per timestamp tick when the Info does not say. */
const DEFAULT_TIMESTAMP_SCALE = 1_000_000
const MAX_ELEMENT_BYTES = 64 * 1024 * 1024

interface Element { id: number, dataStart: number, dataEnd: number }

/** Keyframe times (seconds) of the first video track, or undefined when this is not a cued Matroska file. */
export async function mkvKeyframes (read: ReadRange, fileLength: number, signal?: AbortSignal): Promise<number[] | undefined> {
  const segment = await openSegment(read, fileLength, signal)
  if (segment === undefined) return undefined
  const tracks = await segment.element(TRACKS)
  const videoTrack = tracks === undefined ? undefined : readVideoTrack(tracks.buf, tracks.el)
  const info = await segment.element(INFO)
  const timestampScale = (info === undefined ? undefined : readTimestampScale(info.buf, info.el)) ?? DEFAULT_TIMESTAMP_SCALE
  if (videoTrack === undefined && !segment.inHead(CUES)) return undefined
  const cues = await segment.element(CUES)
  return cues === undefined ? undefined : cueTimes(cues.buf, cues.el, videoTrack, timestampScale)
}

/**
 * The Segment's duration in seconds, from its Info (in the head, or where the SeekHead points),
 * or undefined when this is not Matroska or its Info gives no duration (a live recording).
 */
export async function mkvDuration (read: ReadRange, fileLength: number, signal?: AbortSignal): Promise<number | undefined> {
  const info = await (await openSegment(read, fileLength, signal))?.element(INFO)
  if (info === undefined) return undefined
  const fields = childrenOf(info.buf, info.el)
  const duration = fields.find(e => e.id === DURATION)
  if (duration === undefined) return undefined
  const size = duration.dataEnd - duration.dataStart
  if (size !== 4 && size !== 8) return undefined
  const view = new DataView(info.buf.buffer, info.buf.byteOffset, info.buf.byteLength)
  const ticks = size === 4 ? view.getFloat32(duration.dataStart) : view.getFloat64(duration.dataStart)
  const seconds = ticks * (readTimestampScale(info.buf, info.el) ?? DEFAULT_TIMESTAMP_SCALE) / 1e9
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined
}

interface LoadedElement { buf: Uint8Array, el: Element }

/** The Segment's top-level elements: those whole in the file's head, the others where the SeekHead says. */
interface SegmentElements {
  inHead (id: number): boolean
  element (id: number): Promise<LoadedElement | undefined>
}

async function openSegment (read: ReadRange, fileLength: number, signal?: AbortSignal): Promise<SegmentElements | undefined> {
  const head = await read(0, Math.min(HEAD_BYTES, fileLength), signal)
  const ebml = elementAt(head, 0, head.length)
  if (ebml?.id !== EBML_HEADER) return undefined
  const segment = elementAt(head, ebml.dataEnd, head.length)
  if (segment?.id !== SEGMENT || segment.dataEnd < 0) return undefined
  const segmentStart = segment.dataStart

  const whole = new Map<number, Element>()
  const positions = new Map<number, number>()
  for (let at = segmentStart; at < head.length;) {
    const el = elementAt(head, at, head.length)
    if (el === undefined || el.id === CLUSTER || el.dataEnd < 0) break
    if (el.dataEnd > head.length) {
      positions.set(el.id, positions.get(el.id) ?? at - segmentStart)
      break
    }
    if (el.id === SEEK_HEAD) readSeekHead(head, el, positions)
    else if (!whole.has(el.id)) whole.set(el.id, el)
    at = el.dataEnd
  }

  return {
    inHead: id => whole.has(id),
    element: async id => {
      const el = whole.get(id)
      if (el !== undefined) return { buf: head, el }
      const relative = positions.get(id)
      if (relative === undefined) return undefined
      const offset = segmentStart + relative
      const header = await read(offset, 16, signal)
      const probe = elementAt(header, 0, header.length)
      if (probe?.id !== id || probe.dataEnd < 0 || probe.dataEnd > MAX_ELEMENT_BYTES) return undefined
      const buf = await read(offset, probe.dataEnd, signal)
      const loaded = elementAt(buf, 0, buf.length)
      return loaded === undefined || loaded.dataEnd > buf.length ? undefined : { buf, el: loaded }
    }
  }
}

function readSeekHead (buf: Uint8Array, seekHead: Element, positions: Map<number, number>): void {
  for (const seek of childrenOf(buf, seekHead)) {
    if (seek.id !== SEEK) continue
    let id: number | undefined
    let position: number | undefined
    for (const field of childrenOf(buf, seek)) {
      if (field.id === SEEK_ID) id = uint(buf, field)
      if (field.id === SEEK_POSITION) position = uint(buf, field)
    }
    if (id !== undefined && position !== undefined && !positions.has(id)) positions.set(id, position)
  }
}

function readTimestampScale (buf: Uint8Array, info: Element): number | undefined {
  const field = childrenOf(buf, info).find(e => e.id === TIMESTAMP_SCALE)
  return field === undefined ? undefined : uint(buf, field)
}

function readVideoTrack (buf: Uint8Array, tracks: Element): number | undefined {
  for (const entry of childrenOf(buf, tracks)) {
    if (entry.id !== TRACK_ENTRY) continue
    const fields = childrenOf(buf, entry)
    const type = fields.find(e => e.id === TRACK_TYPE)
    const number = fields.find(e => e.id === TRACK_NUMBER)
    if (type !== undefined && number !== undefined && uint(buf, type) === 1) return uint(buf, number)
  }
  return undefined
}

function cueTimes (buf: Uint8Array, cues: Element, videoTrack: number | undefined, timestampScale: number): number[] | undefined {
  const times: number[] = []
  for (const point of childrenOf(buf, cues)) {
    if (point.id !== CUE_POINT) continue
    const fields = childrenOf(buf, point)
    const time = fields.find(e => e.id === CUE_TIME)
    if (time === undefined) continue
    const tracks = fields.filter(e => e.id === CUE_TRACK_POSITIONS)
      .map(p => childrenOf(buf, p).find(e => e.id === CUE_TRACK))
      .map(e => e === undefined ? undefined : uint(buf, e))
    if (videoTrack !== undefined && !tracks.includes(videoTrack)) continue
    times.push(uint(buf, time) * timestampScale / 1e9)
  }
  return times.length === 0 ? undefined : times
}

function childrenOf (buf: Uint8Array, parent: Element): Element[] {
  const out: Element[] = []
  const end = Math.min(parent.dataEnd, buf.length)
  for (let at = parent.dataStart; at < end;) {
    const el = elementAt(buf, at, end)
    if (el === undefined || el.dataEnd < 0 || el.dataEnd > end) break
    out.push(el)
    at = el.dataEnd
  }
  return out
}

/** The element whose ID starts at `at`; `dataEnd` is -1 for an unknown size. Offsets are buffer offsets. */
function elementAt (buf: Uint8Array, at: number, limit: number): Element | undefined {
  const id = vint(buf, at, limit, 4, true)
  if (id === undefined) return undefined
  const size = vint(buf, at + id.length, limit, 8, false)
  if (size === undefined) return undefined
  const dataStart = at + id.length + size.length
  return { id: id.value, dataStart, dataEnd: size.unknown ? -1 : dataStart + size.value }
}

function vint (buf: Uint8Array, at: number, limit: number, maxLength: number, keepMarker: boolean):
{ value: number, length: number, unknown: boolean } | undefined {
  const first = buf[at]
  if (first === undefined || first === 0 || at >= limit) return undefined
  const length = Math.clz32(first) - 23
  if (length > maxLength || at + length > limit) return undefined
  let value = keepMarker ? first : first & (0xff >> length)
  let allOnes = value === (0xff >> length)
  for (let i = 1; i < length; i++) {
    const byte = buf[at + i] as number
    value = value * 256 + byte
    allOnes &&= byte === 0xff
  }
  return { value, length, unknown: !keepMarker && allOnes }
}

function uint (buf: Uint8Array, el: Element): number {
  let value = 0
  for (let i = el.dataStart; i < el.dataEnd; i++) value = value * 256 + (buf[i] as number)
  return value
}
