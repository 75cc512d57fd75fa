import t from 'tap'
import { FailureBackoff, ThroughputMeter } from '../../src/discovery/web-seed-health.js'

t.test('parallel requests add up: the rate counts time with any request in flight once', async t => {
  let clock = 0
  const meter = new ThroughputMeter(() => clock)
  meter.started()
  meter.started()
  clock = 1000
  meter.ended(500)
  meter.ended(500)
  t.equal(meter.rate(), 1000)
})

t.test('idle time between requests does not lower the rate', async t => {
  let clock = 0
  const meter = new ThroughputMeter(() => clock)
  meter.started()
  clock = 100
  meter.ended(100)
  clock = 60_000
  meter.started()
  clock = 60_100
  meter.ended(100)
  t.equal(meter.rate(), 1000)
})

t.test('a failed request adds no bytes and its busy time is not counted', async t => {
  let clock = 0
  const meter = new ThroughputMeter(() => clock)
  meter.started()
  clock = 10_000
  meter.ended(undefined)
  t.equal(meter.rate(), 0)
  meter.started()
  clock = 10_200
  meter.ended(200)
  t.equal(meter.rate(), 1000)
})

t.test('only recent requests count', async t => {
  let clock = 0
  const meter = new ThroughputMeter(() => clock)
  for (const bytes of [1_000_000, ...Array<number>(16).fill(100)]) {
    meter.started()
    clock += 100
    meter.ended(bytes)
  }
  t.equal(meter.rate(), 1000)
})

t.test('failures of requests already in flight during a pause do not lengthen it', async t => {
  let clock = 0
  const backoff = new FailureBackoff(() => clock, { failuresBeforeBackoff: 1, baseMs: 100, maxMs: 10_000 })
  backoff.failed()
  backoff.failed()
  backoff.failed()
  clock = 100
  t.ok(backoff.isUsable(), 'the pause is still the first one')
  backoff.failed()
  clock = 299
  t.notOk(backoff.isUsable())
  clock = 300
  t.ok(backoff.isUsable())
})
