import t from 'tap'
import { IdleDetector } from '../../src/seeding/index.js'

function detector (quietMs = 120_000): { idle: IdleDetector, clock: { now: number } } {
  const clock = { now: 1_000_000 }
  return { idle: new IdleDetector({ quietPeriodMs: () => quietMs, now: () => clock.now }), clock }
}

t.test('a box that just started, with nothing playing, is idle', async t => {
  const { idle } = detector()
  t.equal(idle.observe({ streams: 0, playerVisible: false }), 'idle')
  t.equal(idle.msUntilIdle(), 0)
  t.equal(idle.lastActive, undefined)
})

t.test('an open stream makes the box watching at once', async t => {
  const { idle } = detector()
  t.equal(idle.observe({ streams: 1, playerVisible: false }), 'watching')
})

t.test('a visible playing page makes the box watching without any stream (HLS from cache)', async t => {
  const { idle } = detector()
  t.equal(idle.observe({ streams: 0, playerVisible: true }), 'watching')
})

t.test('the box turns idle exactly one quiet period after presence was last seen', async t => {
  const { idle, clock } = detector(120_000)
  idle.observe({ streams: 2, playerVisible: true })
  clock.now += 60_000
  t.equal(idle.observe({ streams: 0, playerVisible: false }), 'watching')
  t.equal(idle.msUntilIdle(), 60_000)
  clock.now += 59_999
  t.equal(idle.observe({ streams: 0, playerVisible: false }), 'watching')
  clock.now += 1
  t.equal(idle.observe({ streams: 0, playerVisible: false }), 'idle')
})

t.test('presence inside the quiet period restarts it', async t => {
  const { idle, clock } = detector(10_000)
  idle.observe({ streams: 1, playerVisible: false })
  clock.now += 9_000
  idle.observe({ streams: 0, playerVisible: true })
  clock.now += 9_000
  t.equal(idle.observe({ streams: 0, playerVisible: false }), 'watching')
  clock.now += 1_000
  t.equal(idle.presence(), 'idle')
})

t.test('a shorter quiet period applies at once', async t => {
  const clock = { now: 0 }
  let quiet = 120_000
  const idle = new IdleDetector({ quietPeriodMs: () => quiet, now: () => clock.now })
  idle.observe({ streams: 1, playerVisible: false })
  clock.now = 5_000
  t.equal(idle.presence(), 'watching')
  quiet = 5_000
  t.equal(idle.presence(), 'idle')
})
