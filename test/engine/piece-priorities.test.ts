import t from 'tap'
import type { Metainfo } from '../../src/engine/metainfo.js'
import { PiecePriorities } from '../../src/engine/piece-priorities.js'

const MiB = 1024 * 1024

/** 1 MiB pieces: a 0.5 MiB notes file, then a 9 MiB film across pieces 0..9. */
function metainfo (): Metainfo {
  const files = [
    { index: 0, path: 'Film/notes.txt', offset: 0, length: MiB / 2 },
    { index: 1, path: 'Film/film.mp4', offset: MiB / 2, length: 9 * MiB }
  ]
  return { pieceLength: MiB, pieceCount: 10, length: 9.5 * MiB, files } as unknown as Metainfo
}

const all = (p: PiecePriorities): number[] => Array.from({ length: 10 }, (_, piece) => p.of(piece))

t.test('every piece of the wanted files has the default priority until an opening is set', async t => {
  const p = new PiecePriorities()
  p.compute(metainfo())
  t.same(all(p), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
})

t.test("a film's opening comes first, and the first and last MiB a probe reads before that", async t => {
  const p = new PiecePriorities()
  p.setOpening(1, 3 * MiB, metainfo()) // film bytes [0.5, 3.5) MiB of the torrent: pieces 0..3
  t.same(all(p), [3, 3, 2, 2, 1, 1, 1, 1, 3, 3])
})

t.test('pieces of files not wanted stay at 0 whatever the opening says', async t => {
  const meta = metainfo()
  const p = new PiecePriorities()
  p.setWantedFiles([0], meta) // only the notes: the film's own pieces are not wanted
  p.setOpening(1, 3 * MiB, meta)
  t.same(all(p), [3, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'piece 0 holds notes and film, so it is wanted and the film raises it')
})

t.test('a film shorter than a MiB is all probe priority', async t => {
  const meta = { pieceLength: 256 * 1024, pieceCount: 2, length: 300 * 1024, files: [{ index: 0, path: 'f.mkv', offset: 0, length: 300 * 1024 }] } as unknown as Metainfo
  const p = new PiecePriorities()
  p.setOpening(0, 8 * MiB, meta)
  t.same([p.of(0), p.of(1)], [3, 3])
})
