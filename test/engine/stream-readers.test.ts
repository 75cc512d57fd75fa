import t from 'tap'
import { READER_LINGER_MS, StreamReaders, type ReaderHost } from '../../src/engine/stream-readers.js'
import { NO_PRESSURE, type ReadaheadPressure } from '../../src/engine/readahead.js'
import type { ByteRangeReader } from '../../src/engine/types.js'

const MiB = 1024 * 1024

function fakeHost (options: { path?: string, swarmRate?: number, pressure?: ReadaheadPressure } = {}): ReaderHost & { clock: { now: number } } {
  const clock = { now: 1_000_000 }
  return {
    clock,
    pieceLength: () => MiB,
    length: () => 256 * MiB,
    file: index => index === 0 ? { index: 0, path: options.path ?? 'film.ts', length: 256 * MiB, offset: 0 } : undefined,
    now: () => clock.now,
    downloadRate: () => options.swarmRate ?? 0,
    pressure: () => options.pressure ?? NO_PRESSURE,
    readVerified: async () => new Uint8Array(0),
    deadlinesChanged: () => {}
  }
}

function claimedPieces (readers: StreamReaders): number[] {
  const pieces: number[] = []
  for (let piece = 0; piece < 256; piece++) if (readers.deadlineOf(piece) !== undefined) pieces.push(piece)
  return pieces
}

t.test('before a rate is measured, a reader claims 20 s at 1 MiB/s from its position, earliest first', async t => {
  const host = fakeHost()
  const readers = new StreamReaders(host)
  readers.create({ fileIndex: 0 }).setWindow(10 * MiB, 256 * MiB)
  const pieces = claimedPieces(readers)
  t.same([pieces[0], pieces.at(-1), pieces.length], [10, 29, 20])
  t.equal(readers.deadlineOf(10), host.clock.now, 'the piece at the position is due now')
  t.equal(readers.deadlineOf(11), host.clock.now, 'so is the rest of the 2 MiB a player buffers before it starts')
  t.equal(readers.deadlineOf(12), host.clock.now + 1000 + 2000, 'later pieces when playback reaches them, with a second of slack')
})

t.test('a jump starts a new startup window; playback does not', async t => {
  const host = fakeHost()
  const readers = new StreamReaders(host)
  const reader = readers.create({ fileIndex: 0 })
  reader.setWindow(0, 256 * MiB)
  host.clock.now += 1000
  reader.setWindow(MiB, 256 * MiB)
  t.equal(readers.deadlineOf(2), host.clock.now + 1000 + 1000, 'played on by 1 MiB: piece 2 is a second of playback away')
  host.clock.now += 1000
  reader.setWindow(100 * MiB, 256 * MiB)
  t.equal(readers.deadlineOf(101), host.clock.now, 'after a seek, the next 2 MiB are due at once again')
})

t.test('a reader that knows the stream rate (from the container) gets deadlines no looser than playback needs', async t => {
  const host = fakeHost()
  const readers = new StreamReaders(host)
  // a 16 Mbit/s film whose reader has only measured 1 MiB/s so far
  const slow = readers.create({ fileIndex: 0, bytesPerSecond: 2 * MiB })
  slow.setWindow(0, 256 * MiB)
  host.clock.now += 1000
  slow.setWindow(MiB, 256 * MiB)
  t.equal(readers.deadlineOf(5), host.clock.now + 1000 + 2000, 'four MiB past the position: two seconds of that film')
  slow.close()

  // a 4 Mbit/s film read by ffmpeg as fast as pieces arrive: its pace, 4 MiB/s, sets the deadlines
  const fast = readers.create({ fileIndex: 0, bytesPerSecond: MiB / 2 })
  fast.setWindow(100 * MiB, 256 * MiB)
  host.clock.now += 250
  fast.setWindow(101 * MiB, 256 * MiB)
  t.equal(readers.deadlineOf(105), host.clock.now + 1000 + 1000, 'four MiB past the position: a second at the reader\'s pace')
})

t.test('a reader of a known rate has each piece a second before the playback clock reaches it, however far behind it falls', async t => {
  // a 16 Mbit/s film: 2 MiB/s
  const readFilm = (bytesPerSecond?: number): { readers: StreamReaders, reader: ByteRangeReader, now: () => number } => {
    const host = fakeHost()
    const readers = new StreamReaders(host)
    const reader = readers.create({ fileIndex: 0, ...(bytesPerSecond === undefined ? {} : { bytesPerSecond }) })
    const start = host.clock.now
    reader.setWindow(0, 256 * MiB)
    host.clock.now = start + 500
    reader.setWindow(2 * MiB, 256 * MiB)
    t.equal(readers.deadlineOf(2), bytesPerSecond === undefined ? host.clock.now + 1000 : host.clock.now,
      bytesPerSecond === undefined ? 'without a rate: a second after the read' : 'the startup bytes came in 0.5 s: the clock starts, and 2 MiB plays a second later')
    host.clock.now = start + 3500
    reader.setWindow(4 * MiB, 256 * MiB)
    return { readers, reader, now: () => host.clock.now }
  }
  const known = readFilm(2 * MiB)
  t.equal(known.readers.deadlineOf(4), known.now() - 1000, 'playback reached 4 MiB at 2.5 s: at 3.5 s the player waits for the piece being read, overdue')
  t.equal(known.readers.deadlineOf(6), known.now(), 'two MiB further plays in one second: due now')
  known.reader.setWindow(100 * MiB, 256 * MiB)
  t.ok((known.readers.deadlineOf(102) ?? 0) > known.now() + 1000, 'a seek stops the clock until its startup bytes are in: the slack is back')
  const unknown = readFilm()
  t.equal(unknown.readers.deadlineOf(4), unknown.now() + 1000, 'without a known rate the lag is not known: the second of slack stays')
})

/** Moves `reader` through `steps`: `ms` after `start`, it reads from `mib` MiB on. */
function readAt (host: { clock: { now: number } }, reader: ByteRangeReader, start: number, steps: Array<[ms: number, mib: number]>): void {
  for (const [ms, mib] of steps) {
    host.clock.now = start + ms
    reader.setWindow(mib * MiB, 256 * MiB)
  }
}

t.test('a reader of a known rate that reads ahead of playback gets the deadlines playback needs, not its pace\'s', async t => {
  const host = fakeHost()
  const readers = new StreamReaders(host)
  // a 16 Mbit/s film (2 MiB/s) whose pieces arrive at 4 MiB/s
  const reader = readers.create({ fileIndex: 0, bytesPerSecond: 2 * MiB })
  const start = host.clock.now
  readAt(host, reader, start, [[0, 0], [500, 2], [1000, 4], [1500, 6]])
  t.equal(readers.deadlineOf(6), start + 500 + 3000 - 1000, 'playback, started at 0.5 s, reaches 6 MiB at 3.5 s: due a second before, at 2.5 s')
  t.equal(readers.deadlineOf(10), start + 500 + 5000 - 1000, 'and 10 MiB two seconds after that')
  const paceDeadline = host.clock.now + 1000 + 1000 // a second of slack, then 4 MiB at 4 MiB/s
  t.ok((readers.deadlineOf(10) ?? 0) > paceDeadline, 'later than the pace\'s deadline')
})

t.test('a rate learned after opening (from the container) starts the clock from when the startup bytes were in', async t => {
  const host = fakeHost()
  const readers = new StreamReaders(host)
  const reader = readers.create({ fileIndex: 0 })
  const start = host.clock.now
  readAt(host, reader, start, [[0, 0], [500, 2], [1000, 3]])
  reader.declareRate(2 * MiB)
  t.equal(readers.deadlineOf(3), start + 500 + 1500 - 1000, 'a 2 MiB/s film whose player started at 0.5 s reaches 3 MiB at 2 s: due at 1 s')
  t.equal(readers.deadlineOf(5), start + 500 + 2500 - 1000)
  reader.declareRate(MiB)
  t.equal(readers.deadlineOf(5), start + 500 + 2500 - 1000, 'the first rate stays')

  const declared = readers.create({ fileIndex: 0, bytesPerSecond: 2 * MiB })
  declared.setWindow(100 * MiB, 256 * MiB)
  host.clock.now += 500
  declared.setWindow(102 * MiB, 256 * MiB)
  declared.declareRate(MiB / 4)
  t.equal(readers.deadlineOf(104), host.clock.now + 1000, 'a rate given at open is not replaced')
})

t.test('the window shrinks under memory pressure and a filling disk', async t => {
  const relaxed = new StreamReaders(fakeHost({ swarmRate: 4 * MiB }))
  relaxed.create({ fileIndex: 0 }).setWindow(0, 256 * MiB)
  t.equal(claimedPieces(relaxed).length, 120, 'a swarm at 4x the stream: 120 s ahead')

  const tight = new StreamReaders(fakeHost({ swarmRate: 4 * MiB, pressure: { memory: 1, diskFreeBytes: Infinity } }))
  tight.create({ fileIndex: 0 }).setWindow(0, 256 * MiB)
  t.equal(claimedPieces(tight).length, 8, 'memory at the budget: the minimum 8 s')

  const full = new StreamReaders(fakeHost({ swarmRate: 4 * MiB, pressure: { memory: 0, diskFreeBytes: 64 * MiB + 6 * MiB } }))
  full.create({ fileIndex: 0 }).setWindow(0, 256 * MiB)
  t.equal(claimedPieces(full).length, 6, 'disk: what fits above the reserve')
})

t.test('a player opening an MP4 at its start claims its tail, where the moov may be, from the end backwards', async t => {
  const host = fakeHost({ path: 'film.mp4' })
  const readers = new StreamReaders(host)
  readers.create({ fileIndex: 0 }).setWindow(0, 256 * MiB)
  const pieces = claimedPieces(readers)
  t.same(pieces.slice(-2), [254, 255])
  t.equal(readers.deadlineOf(0), host.clock.now, 'the first piece is due now')
  t.equal(readers.deadlineOf(255), host.clock.now + 200, 'the last piece right after it')
  t.equal(readers.deadlineOf(254), host.clock.now + 200 + 1000, 'the tail from its end backwards')
  t.equal(readers.deadlineOf(1), host.clock.now + 500, 'the rest of the startup bytes yield to the index for half a second')
})

t.test('a player opening an MKV at its start has its cues due 20 s after its startup bytes are in, not before them', async t => {
  const host = fakeHost({ path: 'film.mkv' })
  const readers = new StreamReaders(host)
  const reader = readers.create({ fileIndex: 0 })
  const start = host.clock.now
  reader.setWindow(0, 256 * MiB)
  t.equal(readers.deadlineOf(255), undefined, 'no cues at open: a Matroska file plays from its start without them')
  t.equal(readers.deadlineOf(1), start, 'the startup bytes are all due now')
  readAt(host, reader, start, [[400, 1], [700, 2]])
  t.equal(readers.deadlineOf(255), start + 700 + 20_000, 'the last piece 20 s after the startup bytes were in')
  t.equal(readers.deadlineOf(254), start + 700 + 20_000 + 1000, 'the tail from its end backwards')
  readAt(host, reader, start, [[2000, 6], [3000, 10]])
  t.equal(readers.deadlineOf(255), start + 700 + 20_000, 'playing on keeps the claim where it was')
  readAt(host, reader, start, [[6000, 150]])
  t.equal(readers.deadlineOf(255), undefined, 'a jump elsewhere drops it: the player read the cues to seek, or never needed them')
})

t.test('a probe opening an MKV at its start claims its cues at once: the TV player\'s packager reads them before it plays', async t => {
  const host = fakeHost({ path: 'film.mkv' })
  const readers = new StreamReaders(host)
  readers.create({ fileIndex: 0, background: true }).setWindow(0, 256 * MiB)
  t.equal(readers.deadlineOf(255), host.clock.now + 200)
  t.equal(readers.deadlineOf(1), host.clock.now, 'the startup bytes do not wait for them')
})

t.test('background work claims no index while someone watches the torrent', async t => {
  const host = fakeHost({ path: 'film.mkv' })
  const readers = new StreamReaders(host)
  const player = readers.create({ fileIndex: 0 })
  player.setWindow(0, 256 * MiB)
  const probe = readers.create({ fileIndex: 0, background: true })
  probe.setWindow(0, 256 * MiB)
  t.equal(readers.deadlineOf(255), undefined, 'the viewer\'s opening comes first')
  player.close()
  host.clock.now += 10_000
  probe.setWindow(0, 256 * MiB)
  t.equal(readers.deadlineOf(255), host.clock.now + 200, 'once nobody watches, the probe claims the cues')
})

t.test('reading the tail of an MP4 (its moov) claims the head the player comes back to', async t => {
  const host = fakeHost({ path: 'film.mp4' })
  const readers = new StreamReaders(host)
  readers.create({ fileIndex: 0 }).setWindow(255 * MiB + 1000, 256 * MiB)
  t.equal(readers.deadlineOf(255), host.clock.now)
  t.equal(readers.deadlineOf(0), host.clock.now + 500)
  t.equal(readers.deadlineOf(1), host.clock.now + 500)
  t.equal(readers.deadlineOf(2), undefined, 'only the startup bytes')
})

t.test('a file without such an index claims neither end', async t => {
  const readers = new StreamReaders(fakeHost({ path: 'film.ts' }))
  readers.create({ fileIndex: 0 }).setWindow(255 * MiB, 256 * MiB)
  t.same(claimedPieces(readers), [255])
})

t.test('closing a reader drops its claims; several readers merge to the earliest deadline', async t => {
  const host = fakeHost()
  const readers = new StreamReaders(host)
  const a = readers.create({ fileIndex: 0 })
  const b = readers.create({ fileIndex: 0 })
  a.setWindow(0, 256 * MiB)
  b.setWindow(5 * MiB, 256 * MiB)
  t.equal(readers.deadlineOf(5), host.clock.now, 'b needs piece 5 sooner than a does')
  b.close()
  t.equal(readers.deadlineOf(5), host.clock.now + 1000 + 5000)
  a.close()
  t.same(claimedPieces(readers), [])
})

t.test('after the last reader closes the torrent streams on for a moment, then tells the host once', async t => {
  let changes = 0
  let lingerEnded: () => void = () => {}
  const host = { ...fakeHost(), deadlinesChanged: () => { changes++; lingerEnded() } }
  const readers = new StreamReaders(host)
  const reader = readers.create({ fileIndex: 0 })
  reader.setWindow(0, 256 * MiB)
  t.same([readers.streaming, readers.lingering], [true, false], 'reading')
  const closedAt = Date.now()
  changes = 0
  reader.close()
  t.same([readers.streaming, readers.lingering, changes], [true, true, 1], 'just closed: still streaming, the next read is likely on its way')
  // The linger timer does not hold the process open (unref), so the test does while it waits.
  const keepAlive = setTimeout(() => {}, 3 * READER_LINGER_MS)
  await new Promise<void>(resolve => { lingerEnded = resolve })
  clearTimeout(keepAlive)
  t.ok(Date.now() - closedAt >= READER_LINGER_MS - 5, `the moment lasts ${READER_LINGER_MS} ms`)
  t.same([readers.streaming, readers.lingering, changes], [false, false, 2], 'then the host hears that streaming ended')
})

t.test('a reader opening while the torrent lingers ends the lingering; stop ends it silently', async t => {
  let changes = 0
  const readers = new StreamReaders({ ...fakeHost(), deadlinesChanged: () => { changes++ } })
  const first = readers.create({ fileIndex: 0 })
  first.setWindow(0, 256 * MiB)
  first.close()
  readers.create({ fileIndex: 0 }).setWindow(100 * MiB, 256 * MiB)
  t.same([readers.streaming, readers.lingering], [true, false], 'the next read came: streaming, not lingering')

  const other = new StreamReaders({ ...fakeHost(), deadlinesChanged: () => { changes++ } })
  const reader = other.create({ fileIndex: 0 })
  reader.setWindow(0, 256 * MiB)
  reader.close()
  other.stop()
  changes = 0
  await new Promise(resolve => setTimeout(resolve, READER_LINGER_MS + 100))
  t.same([other.streaming, changes], [false, 0], 'a stopped torrent neither streams nor calls its host')
})

t.test('a reader that never claimed a window (reading a film\'s header) closing leaves the lingering and deadlines alone', async t => {
  let changes = 0
  const readers = new StreamReaders({ ...fakeHost(), deadlinesChanged: () => { changes++ } })
  const header = readers.create({ fileIndex: 0, background: true })
  const stream = readers.create({ fileIndex: 0 })
  stream.setWindow(50 * MiB, 256 * MiB)
  stream.close()
  t.same([readers.streaming, readers.lingering], [true, true], 'the stream just closed')
  changes = 0
  header.close()
  t.same([readers.streaming, readers.lingering, changes], [true, true, 0], 'still lingering, and the host hears nothing')
  readers.stop()
})

t.test('someone watched while a reader was open and up to when it closed; a background reader (a probe) never counts', async t => {
  const host = fakeHost()
  const readers = new StreamReaders(host)
  const before = host.clock.now
  t.equal(readers.watchedSince(before), false, 'nobody has read yet')
  const probe = readers.create({ fileIndex: 0, background: true })
  probe.setWindow(0, MiB)
  t.equal(readers.watchedSince(before), false, 'a probe reading is nobody watching')
  probe.close()
  t.equal(readers.watchedSince(before), false, 'nor is a probe that has finished')
  const film = readers.create({ fileIndex: 0 })
  film.setWindow(0, MiB)
  t.equal(readers.watchedSince(host.clock.now + 5000), true, 'an open reader counts, whatever moment is asked about')
  host.clock.now += 300
  film.close()
  const closedAt = host.clock.now
  host.clock.now += 700
  t.equal(readers.watchedSince(before), true, 'a read that opened and closed between two looks still counts')
  t.equal(readers.watchedSince(closedAt), true)
  t.equal(readers.watchedSince(closedAt + 1), false, 'nobody since it closed')
})
