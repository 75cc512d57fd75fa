/**
 * Keeps every torrent file inside its data dir. A torrent path is checked twice: by its text
 * (no `..`, absolute paths, backslashes, drive letters, NUL, empty segments) and, before each
 * open, on disk (no path component may be a symlink that leads outside the data dir).
 */
import { isAbsolute, join, relative, resolve } from 'node:path'
import { UnsafePathError } from '../errors.js'
import type { StoreFs } from './store-fs.js'

/**
 * Throws UnsafePathError unless `path` is a relative, `/`-separated torrent path whose every
 * segment is a plain name. Used by the store and by metainfo validation.
 */
export function assertSafeTorrentPath (path: string): void {
  const refuse = (reason: string): never => {
    throw new UnsafePathError(`unsafe file path in torrent ${JSON.stringify(path)}: ${reason}; the torrent cannot be stored`)
  }
  if (typeof path !== 'string' || path.length === 0) refuse('it is empty')
  if (path.includes('\0')) refuse('it contains a NUL byte')
  // A backslash is a separator on Windows and in some torrent clients' output: refuse it outright
  // rather than guess whether `a\..\b` is one name or three.
  if (path.includes('\\')) refuse('it contains a backslash')
  if (path.startsWith('/')) refuse('it is absolute')
  if (/^[A-Za-z]:/.test(path)) refuse('it starts with a drive letter')
  for (const segment of path.split('/')) {
    if (segment === '') refuse('it has an empty segment')
    if (segment === '.' || segment === '..') refuse(`it has a "${segment}" segment`)
  }
}

/** True when `child` is `root` itself or lies below it (both absolute). */
function isInside (root: string, child: string): boolean {
  const rel = relative(root, child)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/**
 * The on-disk path of torrent path `torrentPath` under `dir`, after checking that no existing
 * component is a symlink leading outside `dir` (dangling symlinks are refused too: opening with
 * O_CREAT would create their target wherever it points).
 */
export async function resolveInsideDir (fs: StoreFs, dir: string, torrentPath: string): Promise<string> {
  assertSafeTorrentPath(torrentPath)
  const root = resolve(dir)
  const segments = torrentPath.split('/')
  const full = join(root, ...segments)
  if (!isInside(root, full) || full === root) {
    throw new UnsafePathError(`file path ${JSON.stringify(torrentPath)} resolves outside the data dir ${root}`)
  }
  const realRoot = await fs.realpath(root)
  let current = root
  for (const segment of segments) {
    current = join(current, segment)
    let isLink: boolean
    try {
      isLink = (await fs.lstat(current)).isSymbolicLink()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') break
      throw err
    }
    if (!isLink) continue
    let target: string
    try {
      target = await fs.realpath(current)
    } catch {
      throw new UnsafePathError(`${current} is a dangling symlink; refusing to write through it`)
    }
    if (!isInside(realRoot, target)) {
      throw new UnsafePathError(`${current} is a symlink to ${target}, outside the data dir ${realRoot}; refusing to use it`)
    }
  }
  return full
}
