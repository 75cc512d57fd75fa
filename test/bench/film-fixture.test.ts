/**
 * The streaming bench's film is a real Matroska file whose stated duration makes its average
 * bitrate the playback reader's rate, and a torrent fixture made from it serves its bytes.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { makeFilm } from '../../scripts/bench/film-fixture.js'
import { filmDuration } from '../../src/hls/index.js'
import { makeTorrentFixture, tempDir } from '../helpers/fixtures.js'
import { hasFfmpeg } from '../hls/media.js'

const MiB = 1024 * 1024

t.test('a film of the asked size plays at the asked rate by its own header', { skip: hasFfmpeg ? false : 'ffmpeg and ffprobe are not installed' }, async t => {
  const dir = await tempDir(t)
  const film = await makeFilm(join(dir, 'film.mkv'), 12 * MiB, 3.4 * MiB)
  t.ok(film.length > 11.6 * MiB && film.length <= 12.1 * MiB, `${film.length} bytes`)
  const bytes = await readFile(film.path)
  const seconds = await filmDuration(async (start, length) => new Uint8Array(bytes.subarray(start, start + length)), bytes.length)
  t.ok(seconds !== undefined && Math.abs(seconds - film.seconds) < 0.001, `the header says ${String(seconds)} s, ffprobe ${film.seconds} s`)
  const rate = film.length / film.seconds
  t.ok(Math.abs(rate / (3.4 * MiB) - 1) < 0.002, `${(rate / MiB).toFixed(4)} MiB/s`)

  const fx = await makeTorrentFixture(t, { name: 'film.mkv', pieceLength: MiB, files: [{ path: 'film.mkv', length: film.length, source: film.path }] })
  t.same(await readFile(join(fx.dir, 'film.mkv')), bytes, 'the torrent holds the film')
  t.same(fx.expectedBytes(0, 5 * MiB + 3, 100), bytes.subarray(5 * MiB + 3, 5 * MiB + 103), 'expected bytes are the film\'s')
  await t.rejects(makeTorrentFixture(t, { name: 'film.mkv', files: [{ path: 'film.mkv', length: film.length + 1, source: film.path }] }),
    /holds \d+ bytes, not the \d+ given/)
})
