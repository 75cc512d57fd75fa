import t from 'tap'
import { TokenBucket } from '../../src/engine/token-bucket.js'

t.test('an unlimited bucket never asks to wait', async t => {
  const bucket = new TokenBucket(0, () => 0)
  t.equal(bucket.take(1e9), 0)
  t.equal(bucket.debtMs(), 0)
})

t.test('a bucket allows one second of burst, then paces at its rate', async t => {
  let now = 0
  const bucket = new TokenBucket(1000, () => now)
  t.equal(bucket.take(1000), 0, 'the burst is free')
  t.equal(bucket.take(500), 500, 'half a second of debt')
  now = 500
  t.equal(bucket.debtMs(), 0, 'paid back after half a second')
  now = 10_000
  t.equal(bucket.take(1500), 500, 'idle time refills only up to the burst')
})

t.test('lowering the rate caps the saved burst', async t => {
  const bucket = new TokenBucket(10_000, () => 0)
  bucket.setRate(100)
  t.equal(bucket.take(200), 1000)
})

t.test('a quota bounds the bytes taken in all, whatever the rate', async t => {
  const bucket = new TokenBucket(0, () => 0)
  t.ok(bucket.reserve(10 ** 12), 'no quota: anything goes')
  bucket.setQuota(100)
  t.ok(bucket.reserve(60))
  t.notOk(bucket.reserve(50), 'refused: 60 + 50 is over 100, and nothing is counted')
  t.ok(bucket.reserve(40))
  t.notOk(bucket.reserve(1))
  bucket.setQuota(undefined)
  t.ok(bucket.reserve(1), 'lifted')
  bucket.setQuota(-5)
  t.notOk(bucket.reserve(1), 'a negative remainder is no quota left')
})
