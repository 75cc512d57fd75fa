/**
 * The streaming bench's oracle client asks real libtorrent seeders for exactly the pieces an
 * opening and a seek need, checks every block against the fixture, and times both.
 */
import t from 'tap'
import { oracleClientRun } from '../../scripts/bench/oracle-client.js'
import { makeTorrentFixture, type TorrentFixture } from '../helpers/fixtures.js'
import { startLibtorrentPeer, type LibtorrentPeer } from '../helpers/libtorrent.js'
import type { Teardown } from '../helpers/scope.js'

const KiB = 1024

async function swarm(t: Teardown): Promise<{ fx: TorrentFixture, seeders: LibtorrentPeer[] }> {
  const fx = await makeTorrentFixture(t, { name: 'oracle.bin', pieceLength: 256 * KiB, files: [{ path: 'oracle.bin', length: 4 * 1024 * KiB + 1000 }] })
  const seeders = await Promise.all([1, 2].map(i => startLibtorrentPeer(t, { torrentPath: fx.torrentPath, save: fx.dir, mode: 'seed', name: `oracle-seed-${i}` })))
  await Promise.all(seeders.map(s => s.waitFinished({ timeoutMs: 60_000 })))
  return { fx, seeders }
}

t.test('times the opening and a seek into pieces nobody asked for, with correct bytes', async t => {
  const { fx, seeders } = await swarm(t)
  // 512 KiB from 2.4 MiB lie in pieces 9 to 11 (a seek need not be piece-aligned)
  const run = await oracleClientRun(seeders, fx, { probeBytes: 512 * KiB, seekAt: Math.floor(2.4 * 1024 * KiB), timeoutMs: 30_000 })
  t.ok(run.startupSec > 0 && run.startupSec < 30, `startup took ${run.startupSec} s`)
  t.ok(run.seekSec > 0 && run.seekSec < 30, `seek took ${run.seekSec} s`)
})

t.test('a block that differs from the fixture fails the run and names the block', async t => {
  const { fx, seeders } = await swarm(t)
  const expectingOtherBytes: TorrentFixture = { ...fx, expectedBytes: (_index, _offset, length) => Buffer.alloc(length, 0xee) }
  await t.rejects(oracleClientRun(seeders, expectingOtherBytes, { probeBytes: 256 * KiB, seekAt: 0, timeoutMs: 30_000 }),
    /oracle client: 127\.0\.0\.1:\d+ sent wrong bytes for block 0\/\d+/)
})
