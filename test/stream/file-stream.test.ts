import { setImmediate as tick } from 'node:timers/promises'
import t from 'tap'
import { AbortedError, FileNotFoundError, RangeNotSatisfiableError } from '../../src/errors.js'
import { createFileStream } from '../../src/stream/index.js'
import { FakeTorrent, patternBytes } from '../api/fixtures/fake-engine.js'

async function collect (stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function until (condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return
    await tick()
  }
  throw new Error(`timed out waiting for ${what}`)
}

function twoFiles (verified = true): FakeTorrent {
  return new FakeTorrent({
    name: 'pair',
    pieceLength: 100,
    verified,
    files: [{ path: 'pair/a.bin', content: patternBytes(250, 1) }, { path: 'pair/b.mp4', content: patternBytes(1000, 7) }]
  })
}

t.test('a range of the second file yields exactly its bytes', async t => {
  const torrent = twoFiles()
  const bytes = await collect(createFileStream(torrent, 1, 10, 509, { maxChunk: 64 }))
  t.same(bytes, patternBytes(1000, 7).subarray(10, 510))
  t.equal(torrent.readers[0]?.closed, true, 'the reader is closed at the end')
})

t.test('each read covers one piece, so bytes leave as soon as their piece is verified', async t => {
  const torrent = twoFiles()
  await collect(createFileStream(torrent, 1, 0, 999, { maxChunk: 1024 * 1024 }))
  const reads = torrent.readers[0]?.reads ?? []
  // The file starts at torrent offset 250: the first read ends on the next piece boundary.
  t.same(reads[0], { offset: 250, length: 50 })
  for (const read of reads.slice(1, -1)) t.same(read, { offset: read.offset - (read.offset % 100), length: 100 }, `read at ${read.offset} is one whole piece`)
  t.same(reads.at(-1), { offset: 1200, length: 50 })
  t.equal(reads.reduce((n, r) => n + r.length, 0), 1000)
})

t.test('pieces larger than maxChunk are read in aligned maxChunk slices', async t => {
  const torrent = twoFiles()
  await collect(createFileStream(torrent, 1, 0, 999, { maxChunk: 64 }))
  const reads = torrent.readers[0]?.reads ?? []
  for (const read of reads) t.ok(read.length <= 64, `read of ${read.length} at ${read.offset}`)
  for (const read of reads.slice(1)) t.equal(read.offset % 64, 0, `read at ${read.offset} is aligned`)
  t.equal(reads.reduce((n, r) => n + r.length, 0), 1000)
})

t.test('the window starts at the read position and reaches readahead bytes further', async t => {
  const torrent = twoFiles()
  await collect(createFileStream(torrent, 1, 0, 999, { maxChunk: 100, readahead: 300 }))
  const reader = torrent.readers[0]
  t.ok(reader !== undefined)
  const windows = reader?.windows ?? []
  t.same(windows[0], [250, 550], 'first window: read position to readahead')
  for (let i = 1; i < windows.length; i++) {
    const [start, end] = windows[i] ?? [0, 0]
    const [prevStart] = windows[i - 1] ?? [0, 0]
    t.ok(start > prevStart, 'the window advances')
    t.equal(end, Math.min(1250, start + 300), 'window end is readahead past its start, clipped to the range')
  }
  t.same(windows.at(-1), [1200, 1250])
})

t.test('the window is clipped to the end of the range', async t => {
  const torrent = twoFiles()
  await collect(createFileStream(torrent, 0, 0, 49, { readahead: 8 * 1024 * 1024 }))
  t.same(torrent.readers[0]?.windows, [[0, 50]])
})

t.test('bytes that arrive over time stream in order', async t => {
  const torrent = twoFiles(false)
  const stream = createFileStream(torrent, 1, 0, 999, { maxChunk: 100 })
  const done = collect(stream)
  // Pieces arrive one by one, out of order, whenever the stream is waiting.
  const order = [12, 3, 4, 2, 5, 6, 7, 8, 9, 10, 11, 0, 1]
  for (const piece of order) {
    await tick()
    torrent.verify(piece)
  }
  t.same(await done, patternBytes(1000, 7))
})

t.test('a slow consumer holds the reads back (backpressure)', async t => {
  const torrent = twoFiles()
  const stream = createFileStream(torrent, 1, 0, 999, { maxChunk: 100 })
  const iterator = stream[Symbol.asyncIterator]()
  const first = await iterator.next()
  t.equal((first.value as Buffer).length, 50, "the first chunk ends on the next piece boundary")
  for (let i = 0; i < 50; i++) await tick()
  const reads = torrent.readers[0]?.reads.length ?? 0
  t.ok(reads <= 3, `only ${reads} reads while the consumer waits`)
  let rest = 0
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) rest += (next.value as Buffer).length
  t.equal(rest, 950)
  t.equal(torrent.readers[0]?.reads.length, 11)
})

t.test('destroying the stream closes the reader and drops the pending read', async t => {
  const torrent = twoFiles(false)
  const stream = createFileStream(torrent, 1, 0, 999)
  stream.resume()
  await until(() => torrent.pendingReads() === 1, 'a pending read')
  stream.destroy()
  await until(() => stream.destroyed, 'destroy')
  t.equal(torrent.readers[0]?.closed, true)
  t.equal(torrent.pendingReads(), 0)
})

t.test('an abort signal ends the stream with AbortedError and closes the reader', async t => {
  const torrent = twoFiles(false)
  const controller = new AbortController()
  const stream = createFileStream(torrent, 1, 0, 999, { signal: controller.signal })
  stream.resume()
  await until(() => torrent.pendingReads() === 1, 'a pending read')
  const failed = new Promise<Error>(resolve => stream.on('error', resolve))
  controller.abort()
  t.type(await failed, AbortedError)
  t.equal(torrent.readers[0]?.closed, true)
})

t.test('an empty range ends at once without a reader', async t => {
  const torrent = twoFiles()
  t.equal((await collect(createFileStream(torrent, 1, 0, -1))).length, 0)
  t.equal(torrent.readers.length, 0)
})

t.test('a read failure destroys the stream with that error', async t => {
  const torrent = twoFiles(false)
  const stream = createFileStream(torrent, 1, 0, 999)
  const failed = new Promise<Error>(resolve => stream.on('error', resolve))
  stream.resume()
  await until(() => torrent.pendingReads() === 1, 'a pending read')
  const reader = torrent.readers[0]
  for (const entry of reader?.pending ?? []) entry.reject(new Error('disk on fire'))
  t.match((await failed).message, 'disk on fire')
  t.equal(reader?.closed, true)
})

t.test('bad arguments are refused with named errors', async t => {
  const torrent = twoFiles()
  t.throws(() => createFileStream(torrent, 2, 0, 0), FileNotFoundError)
  t.throws(() => createFileStream(torrent, 1, 0, 1000), RangeNotSatisfiableError)
  t.throws(() => createFileStream(torrent, 1, -1, 10), RangeNotSatisfiableError)
  t.throws(() => createFileStream(torrent, 1, 10, 5), RangeNotSatisfiableError)
})
