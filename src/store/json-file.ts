/**
 * Small JSON state files in the data dir, written so a power cut leaves the old file or the
 * new one, never a torn one: write a temp file, fsync it, rename over, fsync the folder.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

/** The parsed file, `undefined` when it does not exist; throws on unreadable or broken JSON. */
export async function readJsonFile (path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return JSON.parse(text)
}

export async function writeJsonFileAtomically (path: string, value: unknown): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  const tmp = `${path}.tmp`
  const handle = await open(tmp, 'w')
  try {
    await handle.writeFile(JSON.stringify(value, null, 2) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
  const folder = await open(dir, 'r')
  try { await folder.sync() } finally { await folder.close() }
}
