import t from 'tap'
import { contentRange, decideRange, mediaTypeFor, unsatisfiedRange } from '../../src/stream/index.js'

t.test('a request without a Range header gets the whole file', async t => {
  t.same(decideRange(undefined, 100), { type: 'full' })
})

t.test('the three range forms select the bytes RFC 9110 defines', async t => {
  const cases: Array<[string, number, ReturnType<typeof decideRange>]> = [
    ['bytes=0-9', 100, { type: 'partial', start: 0, end: 9 }],
    ['bytes=10-', 100, { type: 'partial', start: 10, end: 99 }],
    ['bytes=-10', 100, { type: 'partial', start: 90, end: 99 }],
    ['bytes=-1000', 100, { type: 'partial', start: 0, end: 99 }],
    ['bytes=90-1000', 100, { type: 'partial', start: 90, end: 99 }],
    ['bytes=99-99', 100, { type: 'partial', start: 99, end: 99 }],
    ['BYTES = 5-6', 100, { type: 'partial', start: 5, end: 6 }],
    ['bytes=0-99999999999999999999999', 100, { type: 'partial', start: 0, end: 99 }]
  ]
  for (const [header, length, expected] of cases) t.same(decideRange(header, length), expected, header)
})

t.test('ranges that all miss the file are unsatisfiable', async t => {
  for (const [header, length] of [['bytes=100-', 100], ['bytes=100-200', 100], ['bytes=-0', 100], ['bytes=0-', 0], ['bytes=-5', 0], ['bytes=500-600, 700-', 100]] as const) {
    t.same(decideRange(header, length), { type: 'unsatisfiable' }, `${header} of ${length}`)
  }
})

t.test('a malformed Range header is ignored, so the whole file is sent', async t => {
  for (const header of ['bytes=5-1', 'bytes=abc', 'bytes=', 'bytes', 'items=0-5', 'bytes=1-2-3', 'bytes=--5', 'bytes=0-5,x', 'bytes=+1-2', 'bytes=0x10-']) {
    t.same(decideRange(header, 100), { type: 'full' }, header)
  }
})

t.test('with several ranges the first satisfiable one is served', async t => {
  t.same(decideRange('bytes=200-300, 10-19, 30-39', 100), { type: 'partial', start: 10, end: 19 })
  t.same(decideRange('bytes=0-0,-1', 100), { type: 'partial', start: 0, end: 0 })
  t.same(decideRange('bytes=, 3-4 ,', 100), { type: 'partial', start: 3, end: 4 })
})

t.test('Content-Range values follow the RFC forms', async t => {
  t.equal(contentRange(0, 9, 100), 'bytes 0-9/100')
  t.equal(unsatisfiedRange(100), 'bytes */100')
})

t.test('media types come from the file extension', async t => {
  t.equal(mediaTypeFor('Film/film.mp4'), 'video/mp4')
  t.equal(mediaTypeFor('film.MKV'), 'video/x-matroska')
  t.equal(mediaTypeFor('a.webm'), 'video/webm')
  t.equal(mediaTypeFor('seg.ts'), 'video/mp2t')
  t.equal(mediaTypeFor('index.m3u8'), 'application/vnd.apple.mpegurl')
  t.equal(mediaTypeFor('README'), 'application/octet-stream')
  t.equal(mediaTypeFor('.hidden'), 'application/octet-stream')
  t.equal(mediaTypeFor('dir.mp4/file'), 'application/octet-stream')
})
