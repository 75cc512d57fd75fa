/**
 * The block-trace report reads the daemon's trace-level block lines, as the daemon writes them
 * or as the bench echoes them, and groups each source's arrivals into bursts.
 */
import t from 'tap'
import { burstsOf, countsOf, formatRun, parseBlockRuns, playbackReplay, type BlockLine } from '../../scripts/bench/block-trace-report.js'

const line = (time: number, msg: string, peer: string, piece: number, block: number): string =>
  JSON.stringify({ level: 10, time, app: 'reel', infoHash: 'ab', peer, piece, block, msg })

const log = [
  '[reel] {"level":30,"time":999,"msg":"listening","url":"http://127.0.0.1:1"}',
  `[reel] ${line(1000, 'block requested', 'p0', 0, 0)}`,
  `[reel] ${line(1000, 'block requested', 'p0', 0, 1)}`,
  `[reel] ${line(1000, 'block requested', 'p1', 1, 0)}`,
  'not json at all',
  `[lt-peer] {"event":"progress"}`,
  `[reel] ${line(1450, 'block arrived', 'p0', 0, 0)}`,
  `[reel] ${line(1451, 'block arrived', 'p0', 0, 1)}`,
  `[reel] ${line(1460, 'block requested', 'p1', 0, 1)}`,
  `[reel] ${line(1470, 'block arrived', 'p1', 0, 1)}`,
  `[reel] ${line(1470, 'block cancelled', 'p1', 1, 0)}`,
  `[reel] ${line(1960, 'block arrived', 'p0', 1, 0)}`,
  '[reel] {"level":30,"time":5000,"msg":"listening","url":"http://127.0.0.1:2"}',
  line(6000, 'block requested', 'webseed:http://127.0.0.1:3/f', 2, 0),
  line(6000, 'block timed out', 'webseed:http://127.0.0.1:3/f', 2, 0),
].join('\n')

t.test('splits the file into daemon runs at each "listening" line and keeps only block lines', async t => {
  const runs = parseBlockRuns(log)
  t.equal(runs.length, 2)
  t.equal(runs[0]!.length, 9)
  t.same(runs[0]![0], { time: 1000, event: 'requested', source: 'p0', piece: 0, block: 0 })
  t.same(runs[1]!.map(l => l.event), ['requested', 'timed out'])
})

t.test('groups each source\'s arrivals into bursts separated by the gap, times from the run\'s first line', async t => {
  const [run] = parseBlockRuns(log)
  t.same(burstsOf(run!, 100), [
    { source: 'p0', start: 450, end: 451, blocks: 2, pieces: [0] },
    { source: 'p0', start: 960, end: 960, blocks: 1, pieces: [1] },
    { source: 'p1', start: 470, end: 470, blocks: 1, pieces: [0] }
  ])
  t.equal(burstsOf(run!, 1000).length, 2, 'a gap of a second joins p0\'s two bursts')
})

t.test('counts what was asked of each source and what came twice', async t => {
  const [run] = parseBlockRuns(log)
  t.same(Object.fromEntries(countsOf(run!)), {
    p0: { requested: 2, arrived: 3, duplicates: 0, cancelled: 0, timedOut: 0 },
    p1: { requested: 2, arrived: 1, duplicates: 1, cancelled: 1, timedOut: 0 }
  })
})

t.test('prints one line per source and one per burst within the window', async t => {
  const [run] = parseBlockRuns(log)
  t.equal(formatRun(1, run!, { gapMs: 100, fromMs: 0, toMs: 900 }), [
    'run 1: 9 block lines over 0.960 s',
    '  p0: requested 2, arrived 3 (0 duplicates), cancelled 0, timed out 0',
    '    +0.450 s  2 blocks in 1 ms  pieces 0',
    '  p1: requested 2, arrived 1 (1 duplicates), cancelled 1, timed out 0',
    '    +0.470 s  1 blocks in 0 ms  pieces 0'
  ].join('\n'))
})

t.test('replays a run for a playback reader, as the blocks arrived and as if each had been the next one needed', async t => {
  const arrived = (time: number, piece: number, block: number): BlockLine => ({ time, event: 'arrived', source: 'p0', piece, block })
  // two-block pieces of 2000 bytes, playing at 2000 bytes/s once piece 0 is in: piece p is needed p s after the start
  const shape = { blocksPerPiece: 2, blockBytes: 1000, startBytes: 2000, rate: 2000 }
  const lines = [
    arrived(5000, 0, 0), arrived(5100, 0, 1),
    arrived(5200, 2, 0), arrived(5300, 2, 1), arrived(5350, 2, 0),
    arrived(5400, 1, 0), arrived(6500, 1, 1),
  ]
  t.same(playbackReplay(lines, shape), {
    asReceived: { startMs: 100, firstLate: { piece: 1, lateMs: 400 } },
    inArrivalOrder: { startMs: 100, firstLate: undefined },
  }, 'piece 1 came 0.4 s after the playhead needed it; the same six blocks in order would have kept up (the duplicate counts once)')
  t.same(playbackReplay(lines.slice(1), shape).asReceived, { startMs: undefined, firstLate: undefined }, 'without piece 0 playback never starts')
})

t.test('prints the replay as one line per run when asked for a play rate', async t => {
  const [run] = parseBlockRuns(log)
  t.equal(formatRun(1, run!, { gapMs: 100, fromMs: 0, toMs: 0, playRate: 3.4 * 2 ** 20 }).split('\n').at(-1),
    '  playback at 3.40 MiB/s, as received: never starts; in arrival order: never starts')
})
