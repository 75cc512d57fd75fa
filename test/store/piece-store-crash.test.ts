import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { createPieceStore } from '../../src/store/index.js'
import { crashTorrent, initFor, tempDir, type SyntheticTorrent } from './fixtures/synthetic-torrent.js'

/**
 * This file is also the child process: with REEL_CRASH_WRITER=root:orderSeed it stores
 * crashTorrent()'s pieces in a seeded order under root, flushing every few pieces, and after each
 * explicit flush prints `flushed <hex bitfield>` of the pieces that flush made durable.
 */
async function runWriter (root: string, orderSeed: number): Promise<void> {
  const torrent = crashTorrent()
  const store = createPieceStore(initFor(torrent, root, { flushDelayMs: 3, flushEveryPieces: 7 }))
  await store.open()
  const order = Array.from({ length: store.pieceCount }, (_, i) => i)
  let x = orderSeed >>> 0 || 1
  for (let i = order.length - 1; i > 0; i--) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    const j = x % (i + 1)
    ;[order[i], order[j]] = [order[j] as number, order[i] as number]
  }
  // stdout to a pipe is synchronous on Linux: a line written is a line the parent gets, kill or not.
  process.stdout.write(`open ${store.verifiedCount()}\n`)
  let sinceFlush = 0
  for (const piece of order) {
    if (store.hasPiece(piece)) continue
    await store.putPiece(piece, torrent.piece(piece))
    if (++sinceFlush < 5) continue
    sinceFlush = 0
    const claimed = Buffer.from(store.bitfield()).toString('hex')
    await store.flush()
    process.stdout.write(`flushed ${claimed}\n`)
  }
  await store.close()
  process.stdout.write('done\n')
}

const self = fileURLToPath(import.meta.url)
// The child needs tap's TypeScript loader; processinfo would leave half-written records when killed.
const childArgs = process.execArgv.filter(arg => !arg.includes('processinfo'))

interface Run { lastFlushed: Set<number>, opened: number, done: boolean }

/** Runs the writer and SIGKILLs it `killAfterMs` after its first completed flush. */
async function runAndKill (root: string, orderSeed: number, killAfterMs: number): Promise<Run> {
  const child = spawn(process.execPath, [...childArgs, self], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, REEL_CRASH_WRITER: `${root}:${orderSeed}` }
  })
  const run: Run = { lastFlushed: new Set(), opened: -1, done: false }
  let timer: NodeJS.Timeout | undefined
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  for await (const line of createInterface({ input: child.stdout })) {
    const [word, arg = ''] = line.split(' ')
    if (word === 'open') run.opened = Number(arg)
    if (word === 'done') run.done = true
    if (word !== 'flushed') continue
    run.lastFlushed = new Set(piecesOf(Buffer.from(arg, 'hex')))
    timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs)
  }
  await exited
  clearTimeout(timer)
  return run
}

function piecesOf (bitfield: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i < bitfield.length * 8; i++) if ((((bitfield[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1) out.push(i)
  return out
}

/** The torrent's bytes as they are on disk right now (missing tails read as zeros). */
function bytesOnDisk (torrent: SyntheticTorrent, root: string): Buffer {
  return Buffer.concat(torrent.files.map(file => {
    let bytes: Buffer
    try {
      bytes = readFileSync(join(root, 'data', file.path))
    } catch {
      bytes = Buffer.alloc(0)
    }
    return Buffer.concat([bytes, Buffer.alloc(Math.max(0, file.length - bytes.length))]).subarray(0, file.length)
  }))
}

const writerMode = process.env.REEL_CRASH_WRITER
if (writerMode !== undefined) {
  const split = writerMode.lastIndexOf(':')
  await runWriter(writerMode.slice(0, split), Number(writerMode.slice(split + 1)))
} else {
  t.test('a writer killed with SIGKILL at random moments never leaves a journal claiming a bad piece', async t => {
    const torrent = crashTorrent()
    const root = tempDir(t)
    const seed = Date.now() >>> 0
    t.comment(`seed ${seed}`)
    let previous = 0
    for (let round = 0; round < 4; round++) {
      const killAfter = (Math.imul(seed + round, 2654435761) >>> 0) % 60
      const run = await runAndKill(root, seed + round, killAfter)
      t.ok(run.opened >= previous, `round ${round}: the child started from the ${run.opened} pieces journaled before`)

      const store = createPieceStore(initFor(torrent, root))
      await store.open()
      const claimed = piecesOf(store.bitfield()).filter(i => i < store.pieceCount)
      const disk = bytesOnDisk(torrent, root)
      const bad = claimed.filter(piece => {
        const bytes = disk.subarray(piece * torrent.pieceLength, piece * torrent.pieceLength + torrent.piece(piece).length)
        return !createHash('sha1').update(bytes).digest().equals(torrent.pieceHashes[piece] as Uint8Array)
      })
      const when = `killed ${killAfter} ms after the first flush${run.done ? ', but it had finished' : ''}`
      t.same(bad, [], `round ${round} (${when}): every claimed piece is byte-correct`)
      const missing = [...run.lastFlushed].filter(piece => !store.hasPiece(piece))
      t.same(missing, [], `round ${round}: every piece flushed before the kill (${run.lastFlushed.size}) is claimed (${claimed.length})`)
      const sample = claimed[claimed.length >> 1]
      if (sample !== undefined) t.same(await store.readPiece(sample, 0, 100), torrent.piece(sample).subarray(0, 100), 'and reads back')
      previous = store.verifiedCount()
      await store.close()
    }
  })
}
