/**
 * A poster frame for the home grid: one JPEG about 480 px wide taken by ffmpeg about 10 % into
 * the film (past opening black and titles), cached as `<dir>/<infoHash>-<fileIndex>.jpg`.
 * The seek goes through the container index, so only the index and one GOP are read.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { MediaToolError } from '../errors.js'
import type { Logger } from '../log.js'
import { posterArgs } from './ffmpeg-args.js'
import { lastLines, type ToolRegistry } from './media-tool.js'
import { titleKey } from './segment-cache.js'
import type { MediaFile, MediaProbe, StreamUrl, TitleFile } from './types.js'

export const POSTER_POSITION = 0.1

export interface PosterInit {
  file: TitleFile
  probe: MediaProbe
  dir: string
  tools: ToolRegistry
  ffmpeg: string
  streamUrl: StreamUrl
  signal: AbortSignal
  log: Logger
}

export async function makePoster (init: PosterInit): Promise<MediaFile> {
  const path = join(init.dir, `${titleKey(init.file)}.jpg`)
  const existing = await stat(path).catch(() => undefined)
  if (existing !== undefined && existing.size > 0) return { path, size: existing.size }
  await mkdir(init.dir, { recursive: true })
  const partial = `${path}.partial.jpg`
  const at = init.probe.startSeconds + init.probe.durationSeconds * POSTER_POSITION
  try {
    const url = init.streamUrl(init.file.infoHash, init.file.fileIndex, { background: true })
    const exit = await init.tools.run(init.ffmpeg, posterArgs(url, at, partial), init.signal)
    const made = await stat(partial).catch(() => undefined)
    if (exit.code !== 0 || made === undefined || made.size === 0) {
      throw new MediaToolError(`ffmpeg could not take a poster frame (exit ${String(exit.code ?? exit.signal)}): ${lastLines(exit.stderr) || 'no frame'}`)
    }
    await rename(partial, path)
    init.log.debug({ infoHash: init.file.infoHash, fileIndex: init.file.fileIndex, atSeconds: at }, 'poster made')
    return { path, size: made.size }
  } finally {
    await rm(partial, { force: true })
  }
}
