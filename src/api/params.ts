/** Parsing of the path parameters every torrent route shares. */
import { BadRequestError } from '../errors.js'

const INFO_HASH = /^[0-9a-fA-F]{40}$/

/** A v1 info hash as 40 hex digits, lowercased. Throws BadRequestError. */
export function parseInfoHash (raw: string): string {
  if (!INFO_HASH.test(raw)) throw new BadRequestError(`infoHash must be 40 hexadecimal characters; got "${raw.slice(0, 64)}"`)
  return raw.toLowerCase()
}

/** A file index: a non-negative decimal integer. Throws BadRequestError. */
export function parseFileIndex (raw: string): number {
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(n)) throw new BadRequestError(`fileIndex must be a non-negative integer; got "${raw.slice(0, 64)}"`)
  return n
}

/**
 * A stream's playback rate in bytes per second (`/stream/…?rate=`): a positive integer up to
 * 1 GiB/s, or undefined when absent. Throws BadRequestError.
 */
export function parseStreamRate (raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 1 && n <= 1024 ** 3)) throw new BadRequestError(`rate must be the stream's bytes per second, an integer from 1 to ${1024 ** 3}; got "${raw.slice(0, 64)}"`)
  return n
}

/**
 * `/stream/…?background=1`: the reader is media work nobody watches (a probe, a poster), so it
 * does not make the box "watching". Absent or `0` is a viewer. Throws BadRequestError.
 */
export function parseBackgroundFlag (raw: string | undefined): boolean {
  if (raw === undefined || raw === '0') return false
  if (raw === '1') return true
  throw new BadRequestError(`background must be 1 (media work nobody watches) or 0; got "${raw.slice(0, 64)}"`)
}

export interface TorrentParams { infoHash: string }
export interface FileParams { infoHash: string, fileIndex: string }
