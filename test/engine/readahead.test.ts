import t from 'tap'
import {
  DISK_RESERVE_BYTES, HORIZON_SECONDS, MIN_HORIZON_SECONDS, MIN_READAHEAD_BYTES, readaheadBytes, readaheadSeconds
} from '../../src/engine/readahead.js'
import { ResourcePressure } from '../../src/engine/resource-pressure.js'

const MiB = 1024 * 1024
const stream = 2 * MiB

t.test('the window grows with how far the swarm outpaces the stream', async t => {
  t.equal(readaheadSeconds(stream, 1 * MiB), HORIZON_SECONDS.slow, 'swarm slower than the stream')
  t.equal(readaheadSeconds(stream, 3 * MiB), HORIZON_SECONDS.normal, 'swarm faster, but not twice')
  t.equal(readaheadSeconds(stream, 4 * MiB), HORIZON_SECONDS.fast, 'swarm at least twice the stream')
})

t.test('memory pressure below the onset changes nothing', async t => {
  t.equal(readaheadSeconds(stream, 4 * MiB, { memory: 0.75, diskFreeBytes: Infinity }), HORIZON_SECONDS.fast)
})

t.test('memory pressure shrinks the window linearly down to the minimum at the budget', async t => {
  const halfway = MIN_HORIZON_SECONDS + (HORIZON_SECONDS.fast - MIN_HORIZON_SECONDS) / 2
  t.equal(readaheadSeconds(stream, 4 * MiB, { memory: 0.875, diskFreeBytes: Infinity }), halfway)
  t.equal(readaheadSeconds(stream, 4 * MiB, { memory: 1, diskFreeBytes: Infinity }), MIN_HORIZON_SECONDS)
  t.equal(readaheadSeconds(stream, 4 * MiB, { memory: 1.6, diskFreeBytes: Infinity }), MIN_HORIZON_SECONDS, 'never below the minimum')
})

t.test('bytes are seconds of the stream, at least the minimum', async t => {
  t.equal(readaheadBytes(40, stream), 80 * MiB)
  t.equal(readaheadBytes(1, 128 * 1024), MIN_READAHEAD_BYTES)
})

t.test('a filling disk caps the window to its free space less a reserve', async t => {
  t.equal(readaheadBytes(40, stream, { memory: 0, diskFreeBytes: DISK_RESERVE_BYTES + 10 * MiB }), 10 * MiB)
  t.equal(readaheadBytes(40, stream, { memory: 0, diskFreeBytes: DISK_RESERVE_BYTES }), MIN_READAHEAD_BYTES, 'a full disk still lets the next pieces through')
})

t.test('ResourcePressure reports RSS against the budget and the data disk free space', async t => {
  const pressure = new ResourcePressure({
    dataDir: '/data',
    memoryBudgetBytes: 100 * MiB,
    probes: { rssBytes: () => 80 * MiB, systemFreeBytes: () => 500 * MiB, diskFreeBytes: async dir => dir === '/data' ? 3 * MiB : 0 }
  })
  t.same(pressure.current(), { memory: 0, diskFreeBytes: Infinity }, 'no pressure before the first sample')
  t.same(await pressure.sample(), { memory: 0.8, diskFreeBytes: 3 * MiB })
  t.same(pressure.current(), { memory: 0.8, diskFreeBytes: 3 * MiB })
})

t.test('a system short of memory is under full pressure whatever our own RSS', async t => {
  const pressure = new ResourcePressure({
    dataDir: '/data',
    memoryBudgetBytes: 100 * MiB,
    probes: { rssBytes: () => 10 * MiB, systemFreeBytes: () => 20 * MiB, diskFreeBytes: async () => { throw new Error('ENOENT') } }
  })
  t.same(await pressure.sample(), { memory: 1, diskFreeBytes: Infinity }, 'an unmeasurable disk bounds nothing')
})
