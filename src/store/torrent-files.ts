/**
 * The torrent's files under its data dir: sparse positional I/O through a small LRU of handles.
 * Every open re-checks that the path stays inside the data dir; every OS error leaves as
 * DiskFullError or StorageError naming the file. A missing file reads as empty, never as an error.
 */
import { constants } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { FileHandlePool, type OpenMode } from './file-pool.js'
import type { Segment, StoreFile } from './layout.js'
import { resolveInsideDir } from './safe-path.js'
import { errnoCode, toStorageError, type StoreFs } from './store-fs.js'

export class TorrentFiles {
  private readonly pool: FileHandlePool
  /** Folders whose entries changed when a file was created, by torrent path: fsynced with the file. */
  private readonly newEntries = new Map<string, string[]>()

  constructor (
    private readonly fs: StoreFs,
    private readonly dir: string,
    private readonly files: readonly StoreFile[],
    maxOpenFiles: number,
    /** A write had to create the file: whatever it held before (if anything) is gone. */
    private readonly onCreated: (torrentPath: string) => void
  ) {
    this.pool = new FileHandlePool(async (path, mode) => await this.openFile(path, mode), maxOpenFiles)
  }

  diskPath (torrentPath: string): string {
    return join(this.dir, ...torrentPath.split('/'))
  }

  /** Creates the data dir and the zero-length files (nothing will ever be written to them). */
  async prepare (): Promise<void> {
    await this.io('creating', this.dir, async () => { await this.fs.mkdir(this.dir, { recursive: true }) })
    for (const file of this.files) {
      if (file.length > 0) continue
      await this.io('creating', this.diskPath(file.path), async () => {
        const full = await resolveInsideDir(this.fs, this.dir, file.path)
        await this.fs.mkdir(dirname(full), { recursive: true })
        await (await this.fs.open(full, 'a', 0o644)).close()
      })
    }
  }

  async write (segment: Segment, data: Uint8Array): Promise<void> {
    await this.io('writing', this.diskPath(segment.path), async () => {
      await this.pool.use(segment.path, 'write', async handle => {
        let done = 0
        while (done < data.length) {
          const { bytesWritten } = await handle.write(data, done, data.length - done, segment.fileOffset + done)
          done += bytesWritten
        }
      })
    })
  }

  /** Reads the segment into `into`; returns how many bytes the file had (fewer when short, 0 when missing). */
  async read (segment: Segment, into: Uint8Array): Promise<number> {
    return await this.io('reading', this.diskPath(segment.path), async () => {
      try {
        return await this.pool.use(segment.path, 'read', async handle => {
          let done = 0
          while (done < into.length) {
            const { bytesRead } = await handle.read(into, done, into.length - done, segment.fileOffset + done)
            if (bytesRead === 0) break
            done += bytesRead
          }
          return done
        })
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return 0
        throw err
      }
    })
  }

  /**
   * fsyncs the files and, for those created since their last sync, the folders holding them
   * (a new file's data survives a power cut only once its directory entry does). Returns the
   * paths that no longer exist.
   */
  async sync (torrentPaths: Iterable<string>): Promise<Set<string>> {
    const vanished = new Set<string>()
    const folders = new Set<string>()
    for (const path of torrentPaths) {
      await this.io('syncing', this.diskPath(path), async () => {
        try {
          await this.pool.use(path, 'read', async handle => { await handle.sync() })
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err
          vanished.add(path)
        }
      })
      for (const folder of this.newEntries.get(path) ?? []) folders.add(folder)
      this.newEntries.delete(path)
    }
    for (const folder of folders) {
      await this.io('syncing', folder, async () => {
        const handle = await this.fs.open(folder, 'r')
        try {
          await handle.sync()
        } finally {
          await handle.close()
        }
      })
    }
    return vanished
  }

  /** The file's size on disk, 0 when missing. */
  async size (torrentPath: string): Promise<number> {
    return await this.io('checking', this.diskPath(torrentPath), async () => {
      try {
        return (await this.fs.stat(await resolveInsideDir(this.fs, this.dir, torrentPath))).size
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return 0
        throw err
      }
    })
  }

  async close (): Promise<void> {
    await this.pool.closeAll()
  }

  /** Deletes the torrent's files and the folders they leave empty; never the data dir itself. */
  async deleteAll (): Promise<void> {
    const dirs = new Set<string>()
    for (const file of this.files) {
      const segments = file.path.split('/')
      for (let i = 1; i < segments.length; i++) dirs.add(segments.slice(0, i).join('/'))
      await this.io('deleting', this.diskPath(file.path), async () => {
        await this.fs.rm(await resolveInsideDir(this.fs, this.dir, file.path), { force: true })
      })
    }
    const deepestFirst = [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)
    for (const dir of deepestFirst) {
      try {
        await this.fs.rmdir(await resolveInsideDir(this.fs, this.dir, dir))
      } catch {
        // Not empty (someone else's files) or already gone: leave it.
      }
    }
  }

  private async openFile (path: string, mode: OpenMode): Promise<{ handle: FileHandle, writable: boolean }> {
    const full = await resolveInsideDir(this.fs, this.dir, path)
    try {
      return { handle: await this.fs.open(full, constants.O_RDWR), writable: true }
    } catch (err) {
      const code = errnoCode(err)
      if (mode === 'write' && code === 'ENOENT') return { handle: await this.create(path, full), writable: true }
      if (mode === 'write' || (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS')) throw err
      return { handle: await this.fs.open(full, constants.O_RDONLY), writable: false }
    }
  }

  private async create (path: string, full: string): Promise<FileHandle> {
    await this.fs.mkdir(dirname(full), { recursive: true })
    // O_CREAT without O_TRUNC: two pieces of a new file may race to create it.
    const handle = await this.fs.open(full, constants.O_RDWR | constants.O_CREAT, 0o644)
    const folders: string[] = []
    for (let dir = dirname(full); dir.length >= this.dir.length; dir = dirname(dir)) folders.push(dir)
    folders.push(dirname(this.dir))
    this.newEntries.set(path, folders)
    this.onCreated(path)
    return handle
  }

  private async io<T>(action: string, path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw toStorageError(err, action, path, this.dir)
    }
  }
}
