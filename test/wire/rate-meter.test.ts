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
  meter.add(256 * KiB)
  clock.set(10_750)
  meter.add(256 * KiB)
  clock.set(11_000)
  t.equal(meter.rate(), 1024 * KiB, '512 KiB in the half second since the first byte')
})

t.test('one early block is measured over at least a quarter second', async t => {
  const clock = clockAt(10_000)
  const meter = new RateMeter(clock.now)
  meter.add(16 * KiB)
  clock.set(10_010)
  t.equal(meter.rate(), 64 * KiB)
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
