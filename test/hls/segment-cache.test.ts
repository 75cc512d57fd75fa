/** The segment cache: least recently used goes first, recent segments are kept, the index survives a restart. */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { SegmentCache } from '../../src/hls/segment-cache.js'
import type { TitleFile } from '../../src/hls/index.js'
import { silentLogger } from '../../src/log.js'
import { tempDir } from '../helpers/fixtures.js'

const film: TitleFile = { infoHash: 'f'.repeat(40), fileIndex: 1, path: 'film.mkv', length: 1 }

async function rig (t: Parameters<typeof tempDir>[0], limitBytes: number): Promise<{ cache: SegmentCache, clock: { now: () => number, t: number }, put: (n: number, size: number) => Promise<void>, dir: string }> {
  const base = await tempDir(t)
  const dir = join(base, 'segments')
  const clock = { t: 1_000_000, now () { return this.t } }
  const cache = new SegmentCache({ dir, limitBytes, clock, log: silentLogger() })
  await cache.start()
  await mkdir(join(base, 'made'), { recursive: true })
  const put = async (n: number, size: number): Promise<void> => {
    const from = join(base, 'made', `seg-${n}.ts`)
    await writeFile(from, Buffer.alloc(size, n))
    await cache.put(film, n, from)
    clock.t += 60_000
  }
  return { cache, clock, put, dir }
}

t.test('over the limit, the least recently used segments are removed from disk', async t => {
  const { cache, put, dir } = await rig(t, 3000)
  await put(0, 1000)
  await put(1, 1000)
  await put(2, 1000)
  t.ok(cache.get(film, 0), 'segment 0 used again: now the most recent')
  await put(3, 1000)
  t.equal(cache.get(film, 1), undefined, 'segment 1 was the least recently used')
  t.same(cache.stats(), { bytes: 3000, limitBytes: 3000, segments: 3 })
  t.same((await readdir(join(dir, `${film.infoHash}-1`))).sort(), ['seg-0.ts', 'seg-2.ts', 'seg-3.ts'])
})

t.test('a segment used in the last seconds is not evicted, even over the limit', async t => {
  const { cache, clock, put } = await rig(t, 1000)
  await put(0, 1000)
  clock.t -= 60_000 // segment 0 is fresh again
  await put(1, 1000)
  t.ok(cache.get(film, 0), 'kept: it may be on its way to a player')
  t.ok(cache.get(film, 1))
})

t.test('a restarted cache finds its segments on disk, and drops leftovers that are not segments', async t => {
  const { put, dir } = await rig(t, 10_000)
  await put(0, 500)
  await put(1, 700)
  await writeFile(join(dir, `${film.infoHash}-1`, 'seg-2.ts.tmp'), 'half')
  const again = new SegmentCache({ dir, limitBytes: 10_000, clock: { now: () => 0 }, log: silentLogger() })
  await again.start()
  t.same(again.stats(), { bytes: 1200, limitBytes: 10_000, segments: 2 })
  t.equal(again.get(film, 1)?.size, 700)
  t.same((await readdir(join(dir, `${film.infoHash}-1`))).sort(), ['seg-0.ts', 'seg-1.ts'])
})
