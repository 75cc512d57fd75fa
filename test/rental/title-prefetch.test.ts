import t from 'tap'
import type { Title } from '../../src/rental/catalog.js'
import { openingBytes, OPENING_GUESS_BYTES, TitlePrefetch } from '../../src/rental/title-prefetch.js'
import { AbortedError } from '../../src/errors.js'
import { silentLogger } from '../../src/log.js'

function title (id: string, playable = true): Title {
  return { id, playable } as unknown as Title
}

t.test('prepares each playable title once, one at a time, in catalog order', async t => {
  const titles = [title('a'), title('junk', false), title('b')]
  const order: string[] = []
  let running = 0
  let most = 0
  const prefetch = new TitlePrefetch({
    catalog: { list: () => titles },
    log: silentLogger(),
    prepare: async each => {
      running++
      most = Math.max(most, running)
      order.push(each.id)
      await new Promise(resolve => setTimeout(resolve, 20))
      running--
    }
  }, 60_000)
  prefetch.start()
  prefetch.check()
  await new Promise(resolve => setTimeout(resolve, 100))
  titles.push(title('c'))
  prefetch.check()
  await prefetch.stop()
  t.same(order, ['a', 'b', 'c'], 'the unplayable one is skipped, a new title is picked up, none twice')
  t.equal(most, 1, 'never two at once')
})

t.test('a title that fails is left for its screen to explain, not retried', async t => {
  let calls = 0
  const prefetch = new TitlePrefetch({
    catalog: { list: () => [title('broken')] },
    log: silentLogger(),
    prepare: async () => { calls++; throw new Error('damaged') }
  }, 60_000)
  prefetch.start()
  await new Promise(resolve => setTimeout(resolve, 20))
  prefetch.check()
  await new Promise(resolve => setTimeout(resolve, 20))
  await prefetch.stop()
  t.equal(calls, 1)
})

t.test('nothing is prepared while a film plays; the titles wait for the next look', async t => {
  let playing = true
  const prepared: string[] = []
  const prefetch = new TitlePrefetch({
    catalog: { list: () => [title('a'), title('b')] },
    log: silentLogger(),
    paused: () => playing,
    prepare: async each => { prepared.push(each.id) }
  }, 60_000)
  prefetch.start()
  await new Promise(resolve => setTimeout(resolve, 20))
  t.same(prepared, [], 'a film is playing')
  playing = false
  prefetch.check()
  await new Promise(resolve => setTimeout(resolve, 20))
  await prefetch.stop()
  t.same(prepared, ['a', 'b'])
})

t.test('a title that gave way to a film starting is prepared again once nothing plays', async t => {
  let playing = false
  const attempts: string[] = []
  const prefetch = new TitlePrefetch({
    catalog: { list: () => [title('a'), title('b')] },
    log: silentLogger(),
    paused: () => playing,
    prepare: async each => {
      attempts.push(each.id)
      if (attempts.length === 1) {
        playing = true // Play pressed while the first title was being prepared
        throw new AbortedError('a film is starting')
      }
    }
  }, 60_000)
  prefetch.start()
  await new Promise(resolve => setTimeout(resolve, 20))
  t.same(attempts, ['a'], 'the round ends there: nothing else is prepared while the film plays')
  prefetch.check()
  await new Promise(resolve => setTimeout(resolve, 20))
  t.same(attempts, ['a'], 'still playing')
  playing = false
  prefetch.check()
  await new Promise(resolve => setTimeout(resolve, 20))
  await prefetch.stop()
  t.same(attempts, ['a', 'a', 'b'], 'then the title that gave way comes first again')
})

t.test('stop waits for the title being prepared', async t => {
  let done = false
  const prefetch = new TitlePrefetch({
    catalog: { list: () => [title('slow')] },
    log: silentLogger(),
    prepare: async () => { await new Promise(resolve => setTimeout(resolve, 50)); done = true }
  }, 60_000)
  prefetch.start()
  await prefetch.stop()
  t.ok(done)
})

t.test('a title\'s opening is its first 30 s by average bitrate, between 2 and 32 MiB', async t => {
  const MiB = 1024 * 1024
  t.equal(openingBytes(120 * MiB, 120), 30 * MiB, 'a 1 MiB/s film: 30 MiB')
  t.equal(openingBytes(20 * 1024 * MiB, 7200), 32 * MiB, 'a 20 GiB two-hour film (23 Mbit/s) is capped')
  t.equal(openingBytes(1 * MiB, 600), 2 * MiB, 'never under 2 MiB (the file itself is shorter; the engine clamps)')
  t.equal(openingBytes(10 * MiB, 20), 10 * MiB, 'a clip shorter than 30 s: all of it')
  t.equal(openingBytes(10 * MiB, 0), OPENING_GUESS_BYTES, 'no duration known: the guess')
})
