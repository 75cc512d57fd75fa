/**
 * Playback rates of films streamed over `/stream` by clients that do not declare one (a player
 * pointed at the URL): the file's length over the duration its container states (Matroska Info,
 * MP4 mvhd). The header is read through a background reader that claims nothing: it waits for
 * bytes the stream fetches anyway (a film opened at its start has its head due at once, and an
 * MP4 its tail, where the moov may be), so learning the rate never competes with what the viewer
 * waits for. A Matroska Info placed at the end, which is rare, is read only once the stream
 * fetches the file's tail with its cues, 20 s into playback. A learned rate is kept for the
 * daemon's life; a file whose header gives none is not read again.
 */
import type { Torrent, TorrentFileInfo } from '../engine/types.js'
import { filmDuration, type ReadRange } from '../hls/index.js'
import type { Logger } from '../log.js'

const FILM_NAME = /\.(mkv|webm|mp4|m4v|mov)$/i
/**
 * Rates a film can have: 64 kbit/s (a talk's audio and a slideshow) to 1 Gbit/s (beyond any
 * video a box plays). A header that implies another (a forged or broken duration) is ignored:
 * the stream keeps its read pace rather than deadlines from a clock that is wrong.
 */
const PLAUSIBLE_BYTES_PER_SECOND = { min: 8 * 1024, max: 128 * 1024 * 1024 }

export class FilmRates {
  /** Bytes per second by `infoHash/fileIndex`; undefined for a file whose header gives no duration. */
  private readonly known = new Map<string, number | undefined>()

  constructor (private readonly log: Logger) {}

  /**
   * The file's playback rate: a number when known, a promise while its header is read (it
   * resolves to undefined when the header gives none, or when `signal` fires first), undefined
   * for a file that is not a film by its name.
   */
  rateOf (torrent: Torrent, fileIndex: number, signal: AbortSignal): number | Promise<number | undefined> | undefined {
    const file = torrent.files()[fileIndex]
    if (file === undefined || !FILM_NAME.test(file.path)) return undefined
    const key = `${torrent.infoHash}/${fileIndex}`
    if (this.known.has(key)) return this.known.get(key)
    return this.learn(torrent, file, key, signal)
  }

  private async learn (torrent: Torrent, file: TorrentFileInfo, key: string, signal: AbortSignal): Promise<number | undefined> {
    const fileIndex = file.index
    const reader = torrent.createReader({ fileIndex, background: true })
    const read: ReadRange = async (start, length, readSignal) => {
      const end = Math.min(file.length, start + length)
      if (end <= start) return new Uint8Array(0)
      return await reader.read(file.offset + start, end - start, { signal: readSignal ?? signal })
    }
    try {
      const seconds = await filmDuration(read, file.length, signal)
      const rate = seconds === undefined ? undefined : Math.round(file.length / seconds)
      const plausible = rate !== undefined && rate >= PLAUSIBLE_BYTES_PER_SECOND.min && rate <= PLAUSIBLE_BYTES_PER_SECOND.max
      if (rate !== undefined && !plausible) {
        this.log.warn({ infoHash: torrent.infoHash, fileIndex, seconds, bytesPerSecond: rate },
          'the film\'s header gives a duration that makes no sense for its size; streaming it by its read pace')
      } else {
        this.log.debug({ infoHash: torrent.infoHash, fileIndex, seconds, bytesPerSecond: rate }, 'film rate from its container')
      }
      this.known.set(key, plausible ? rate : undefined)
      return plausible ? rate : undefined
    } catch (err) {
      // The stream closed (or the torrent went) before the header came: the next stream tries again.
      if (!signal.aborted) this.log.debug({ err, infoHash: torrent.infoHash, fileIndex }, 'could not read the film\'s header for its rate')
      return undefined
    } finally {
      reader.close()
    }
  }
}
