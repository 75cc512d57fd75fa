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

export interface TorrentParams { infoHash: string }
export interface FileParams { infoHash: string, fileIndex: string }
