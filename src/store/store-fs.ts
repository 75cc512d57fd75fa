/**
 * The file-system layer the store touches, injectable so tests can observe fsync ordering or
 * fail writes, and the mapping of OS errors to named errors (full disk vs everything else).
 */
import * as fsp from 'node:fs/promises'
import { DiskFullError, ReelError, StorageError } from '../errors.js'

/** The subset of `node:fs/promises` the store uses; defaults to the real one. */
export type StoreFs = Pick<typeof fsp, 'open' | 'stat' | 'lstat' | 'realpath' | 'mkdir' | 'rename' | 'rm' | 'rmdir' | 'readFile'>

export const nodeFs: StoreFs = fsp

export function errnoCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
}

/**
 * Turns an OS error from `action` on `path` into DiskFullError (ENOSPC, EDQUOT) or StorageError;
 * named errors pass through unchanged.
 */
export function toStorageError (err: unknown, action: string, path: string, dataDir: string): ReelError {
  if (err instanceof ReelError) return err
  const code = errnoCode(err)
  const reason = err instanceof Error ? err.message : String(err)
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const what = code === 'EDQUOT' ? 'disk quota' : 'disk'
    return new DiskFullError(
      `the ${what} holding the data dir ${dataDir} is full (${action} ${path}: ${reason}); ` +
      'free space (remove torrents or other files) or move the data dir to a larger disk; ' +
      'pieces already verified are kept, the one being written was not stored and will be fetched again',
      { cause: err })
  }
  return new StorageError(`${action} ${path} failed: ${reason}`, { cause: err })
}
