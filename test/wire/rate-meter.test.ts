import t from 'tap'
import { RateMeter } from '../../src/wire/rate-meter.js'

const KiB = 1024

function clockAt (ms: number): { now: () => number, set: (ms: number) => void } {
  let current = ms
  return { now: () => current, set: value => { current = value } }
}

t.test('a meter with no bytes reads 0', async t => {
  t.equal(new RateMeter(clockAt(10_000).now).rate(), 0)
})

t.test('a young meter measures since its first byte, not over the whole window', async t => {
  const clock = clockAt(10_000)
  const meter = new RateMeter(clock.now)
  clock.set(10_500) // idle before the first byte (handshake, choked) does not count
  meter.add(512 * KiB)
  clock.set(11_500)
  meter.add(512 * KiB)
  clock.set(12_500)
  t.equal(meter.rate(), 512 * KiB, '1 MiB in the 2 s since the first byte')
})

t.test('an early burst is measured over at least a second, not read as the peer\'s pace', async t => {
  const clock = clockAt(10_000)
  const meter = new RateMeter(clock.now)
  meter.add(512 * KiB) // a rate-limited seeder's first burst, all within 100 ms
  clock.set(10_100)
  t.equal(meter.rate(), 512 * KiB, 'half a MiB per second so far, not 5 MiB/s')
  clock.set(10_500)
  meter.add(512 * KiB) // its next burst, half a second later
  clock.set(10_600)
  t.equal(meter.rate(), 1024 * KiB, 'its pace once a second has passed: 1 MiB/s')
})

t.test('a rate is only a lower bound until a second has passed since the first byte', async t => {
  const clock = clockAt(10_000)
  const meter = new RateMeter(clock.now)
  t.equal(meter.rateIsLowerBound, false, 'no byte yet: the rate is unknown (0), not a bound')
  meter.add(64 * KiB)
  clock.set(10_999)
  t.equal(meter.rateIsLowerBound, true, '64 KiB over a second so far, whatever the peer\'s pace')
  clock.set(11_000)
  t.equal(meter.rateIsLowerBound, false)
})

t.test('an old meter averages over its window, forgetting older seconds', async t => {
  const clock = clockAt(10_000)
  const meter = new RateMeter(clock.now, 5)
  for (let second = 0; second < 10; second++) {
    clock.set(10_000 + second * 1000)
    meter.add(second < 5 ? 100 * KiB : 500 * KiB)
  }
  clock.set(19_500)
  t.equal(meter.rate(), (5 * 500 * KiB) / 4.5, 'the last five buckets over 4.5 s')
  t.equal(meter.total, 3000 * KiB)
})
