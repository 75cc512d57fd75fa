/** The segment plan and the playlist text, as tables: keyframe times in, segment starts out. */
import t from 'tap'
import { planSegments, renderPlaylist, segmentSpan } from '../../src/hls/segment-plan.js'
import { parseSegmentName, segmentName } from '../../src/hls/index.js'

const every = (step: number, end: number, from = 0): number[] => {
  const out: number[] = []
  for (let k = from; k < end - 1e-9; k += step) out.push(Math.round(k * 1e6) / 1e6)
  return out
}

t.test('cuts at the keyframe nearest 5 s after each start, between 4 and 6 s', async t => {
  const cases: Array<{ name: string, keyframes: number[], end: number, starts: number[] }> = [
    { name: 'a keyframe every 2 s gives 4 s segments', keyframes: every(2, 20), end: 20, starts: [0, 4, 8, 12, 16] },
    { name: 'a keyframe every 1 s gives 5 s segments', keyframes: every(1, 20), end: 20, starts: [0, 5, 10, 15] },
    { name: 'every 2.5 s gives 5 s segments', keyframes: every(2.5, 30), end: 30, starts: [0, 5, 10, 15, 20, 25] },
    { name: 'long GOPs make long segments: cuts only at keyframes', keyframes: [0, 10, 20], end: 30, starts: [0, 10, 20] },
    { name: 'irregular keyframes: the one closest to +5', keyframes: [0, 3.9, 4.4, 5.2, 7, 9.8, 10.1, 13], end: 15, starts: [0, 5.2, 10.1] },
    { name: 'decimal times (MKV) do not lose a cut to binary rounding', keyframes: every(2, 20, 0.005), end: 20.005, starts: [0.005, 4.005, 8.005, 12.005, 16.005] },
    { name: 'a last segment under 1 s joins the one before', keyframes: [0, 4, 8], end: 8.5, starts: [0, 4] },
    { name: 'the first keyframe is the start, even if it is not 0', keyframes: [0.021, 2.021, 4.021, 6.021], end: 8, starts: [0.021, 4.021] },
    { name: 'unsorted and duplicated keyframes are fine', keyframes: [8, 0, 4, 4, 2, 6, 10], end: 12, starts: [0, 4, 8] },
    { name: 'no keyframe at all: one segment from 0', keyframes: [], end: 7, starts: [0] }
  ]
  for (const c of cases) t.same(planSegments(c.keyframes, c.end).starts, c.starts, c.name)
})

t.test('durations add up to the film from the first keyframe', async t => {
  const plan = planSegments(every(2, 121), 121.5)
  const total = plan.starts.reduce((sum, _, i) => sum + segmentSpan(plan, i).duration, 0)
  t.ok(Math.abs(total - 121.5) < 1e-9)
  t.equal(segmentSpan(plan, plan.starts.length - 1).duration, 121.5 - (plan.starts.at(-1) ?? 0))
})

t.test('the playlist is a finished VOD list with exact durations and relative URIs carrying the query', async t => {
  const text = renderPlaylist({ starts: [0, 4, 8.5], end: 12.25 }, 'viewer=tv&hevc=1')
  t.equal(text, [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-TARGETDURATION:5',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXTINF:4.000000,', 'seg-0.ts?viewer=tv&hevc=1',
    '#EXTINF:4.500000,', 'seg-1.ts?viewer=tv&hevc=1',
    '#EXTINF:3.750000,', 'seg-2.ts?viewer=tv&hevc=1',
    '#EXT-X-ENDLIST', ''
  ].join('\n'))
  t.notMatch(renderPlaylist({ starts: [0], end: 3 }), /\?/, 'no query, no question mark')
})

t.test('segment names round-trip and nothing else parses', async t => {
  t.equal(parseSegmentName(segmentName(42)), 42)
  for (const bad of ['seg-.ts', 'seg-1.mp4', '../seg-1.ts', 'seg-1.ts.partial', 'seg--1.ts', 'index.m3u8']) t.equal(parseSegmentName(bad), undefined, bad)
})
