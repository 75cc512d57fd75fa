/**
 * Reads a daemon's trace-level block lines (`REEL_LOG_LEVEL=trace`; README, "Tracing blocks")
 * and prints, for each daemon run in the file, what each source sent and when: its bursts
 * (arrivals less than `--gap` ms apart), their size and pieces, and what was asked of it.
 * With `--play MIB_S` it also replays the run for the bench's playback reader at that rate
 * (1 MiB pieces of 64 blocks, playhead from 2 MiB in): when playback would have started and
 * which piece came late first, as the blocks arrived, and again had every block that arrived
 * been the next one the player needed (what any choice of blocks could have done with them).
 *
 *   node dist/scripts/bench/block-trace-report.js FILE [--run N] [--from S] [--to S] [--gap MS] [--play MIB_S]
 *
 * FILE holds the daemon's JSON lines, alone or as the bench echoes them with `--verbose`
 * (`[reel] {...}`); other lines are skipped. A run starts at each "listening" line.
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { BlockTraceMessage } from '../../src/engine/block-trace.js'

export type BlockEvent = 'requested' | 'arrived' | 'cancelled' | 'timed out'

export interface BlockLine {
  /** ms since the epoch, as the daemon logged it */
  time: number
  event: BlockEvent
  source: string
  piece: number
  block: number
}

export interface Burst {
  source: string
  /** ms since the run's first block line */
  start: number
  end: number
  blocks: number
  /** Distinct pieces, ascending. */
  pieces: number[]
}

export interface SourceCounts {
  requested: number
  arrived: number
  /** Arrivals of a block that had already arrived from some source. */
  duplicates: number
  cancelled: number
  timedOut: number
}

/** Keyed by the engine's own messages, so a renamed one fails to compile here rather than vanish from reports. */
const EVENTS: Readonly<Record<BlockTraceMessage, BlockEvent>> = {
  'block requested': 'requested',
  'block arrived': 'arrived',
  'block cancelled': 'cancelled',
  'block timed out': 'timed out',
}

/** Block lines per daemon run, in file order. */
export function parseBlockRuns(text: string): BlockLine[][] {
  const runs: BlockLine[][] = []
  let current: BlockLine[] | undefined
  for (const raw of text.split('\n')) {
    const brace = raw.indexOf('{')
    if (brace < 0) continue
    let line: Record<string, unknown>
    try {
      line = JSON.parse(raw.slice(brace)) as Record<string, unknown>
    } catch {
      continue
    }
    if (line['msg'] === 'listening') {
      current = []
      runs.push(current)
      continue
    }
    const msg = line['msg']
    const event = typeof msg === 'string' && Object.hasOwn(EVENTS, msg) ? EVENTS[msg as BlockTraceMessage] : undefined
    const { time, peer, piece, block } = line
    if (event === undefined || typeof time !== 'number' || typeof peer !== 'string' || typeof piece !== 'number' || typeof block !== 'number') continue
    if (current === undefined) {
      current = []
      runs.push(current)
    }
    current.push({ time, event, source: peer, piece, block })
  }
  return runs.filter(run => run.length > 0)
}

/** Each source's arrivals grouped into bursts, sources in order of first appearance, bursts by time. */
export function burstsOf(lines: readonly BlockLine[], gapMs: number): Burst[] {
  const origin = lines[0]?.time ?? 0
  const open = new Map<string, { burst: Burst, pieces: Set<number>, last: number }>()
  const done: Array<{ burst: Burst, pieces: Set<number> }> = []
  for (const line of lines) {
    if (line.event !== 'arrived') continue
    const at = line.time - origin
    let current = open.get(line.source)
    if (current === undefined || at - current.last >= gapMs) {
      current = { burst: { source: line.source, start: at, end: at, blocks: 0, pieces: [] }, pieces: new Set(), last: at }
      open.set(line.source, current)
      done.push(current)
    }
    current.burst.end = at
    current.burst.blocks++
    current.pieces.add(line.piece)
    current.last = at
  }
  const order = sourcesOf(lines)
  return done
    .map(({ burst, pieces }) => ({ ...burst, pieces: [...pieces].sort((a, b) => a - b) }))
    .sort((a, b) => (order.indexOf(a.source) - order.indexOf(b.source)) || (a.start - b.start))
}

export function countsOf(lines: readonly BlockLine[]): Map<string, SourceCounts> {
  const counts = new Map<string, SourceCounts>()
  const received = new Set<string>()
  for (const source of sourcesOf(lines)) counts.set(source, { requested: 0, arrived: 0, duplicates: 0, cancelled: 0, timedOut: 0 })
  for (const line of lines) {
    const c = counts.get(line.source) as SourceCounts
    if (line.event === 'requested') c.requested++
    else if (line.event === 'cancelled') c.cancelled++
    else if (line.event === 'timed out') c.timedOut++
    else {
      c.arrived++
      const key = `${line.piece}:${line.block}`
      if (received.has(key)) c.duplicates++
      else received.add(key)
    }
  }
  return counts
}

export interface ReportOptions {
  gapMs: number
  /** Only bursts starting within [fromMs, toMs] of the run's first block line are listed. */
  fromMs: number
  toMs: number
  /** Replays the run for a playback reader at this many bytes/s (`playbackReplay`). */
  playRate?: number
}

export interface PlaybackShape {
  /** bytes/s of the playhead */
  rate: number
  blocksPerPiece: number
  blockBytes: number
  /** The playhead starts once this many bytes from offset 0 are in. */
  startBytes: number
}

/** The bench's playback reader: 1 MiB pieces of 16 KiB blocks, playing from 2 MiB in. */
export const BENCH_PLAYBACK: Omit<PlaybackShape, 'rate'> = { blocksPerPiece: 64, blockBytes: 16 * 1024, startBytes: 2 * 1024 * 1024 }

export interface ReplayOutcome {
  /** ms after the run's first block line when the playhead starts; undefined if it never would. */
  startMs: number | undefined
  /** The first piece complete after the playhead reached it, and by how many ms. */
  firstLate: { piece: number, lateMs: number } | undefined
}

/**
 * When a playback reader starting at offset 0 would start, and which piece it would find
 * missing first: `asReceived` with each piece complete once its own blocks had arrived,
 * `inArrivalOrder` with the n-th distinct block to arrive counted as the n-th block of the file.
 * Only pieces every block of which arrived are judged.
 */
export function playbackReplay(lines: readonly BlockLine[], shape: PlaybackShape): { asReceived: ReplayOutcome, inArrivalOrder: ReplayOutcome } {
  const origin = lines[0]?.time ?? 0
  const seen = new Set<string>()
  const arrivals: number[] = []
  const blocksIn = new Map<number, number>()
  const completeAt: number[] = []
  for (const line of lines) {
    const key = `${line.piece}:${line.block}`
    if (line.event !== 'arrived' || seen.has(key)) continue
    seen.add(key)
    const at = line.time - origin
    arrivals.push(at)
    const count = (blocksIn.get(line.piece) ?? 0) + 1
    blocksIn.set(line.piece, count)
    if (count === shape.blocksPerPiece) completeAt[line.piece] = at
  }
  const inOrder: number[] = []
  for (let piece = 0; (piece + 1) * shape.blocksPerPiece <= arrivals.length; piece++) {
    inOrder.push(arrivals[(piece + 1) * shape.blocksPerPiece - 1] as number)
  }
  return { asReceived: replay(completeAt, shape), inArrivalOrder: replay(inOrder, shape) }
}

function replay(completeAt: ReadonlyArray<number | undefined>, shape: PlaybackShape): ReplayOutcome {
  const pieceBytes = shape.blocksPerPiece * shape.blockBytes
  const startPieces = Math.ceil(shape.startBytes / pieceBytes)
  let startMs = 0
  for (let piece = 0; piece < startPieces; piece++) {
    const at = completeAt[piece]
    if (at === undefined) return { startMs: undefined, firstLate: undefined }
    startMs = Math.max(startMs, at)
  }
  for (let piece = startPieces; piece < completeAt.length; piece++) {
    const at = completeAt[piece]
    if (at === undefined) break
    const neededAt = startMs + (piece * pieceBytes * 1000) / shape.rate
    if (at > neededAt) return { startMs, firstLate: { piece, lateMs: at - neededAt } }
  }
  return { startMs, firstLate: undefined }
}

export function formatRun(index: number, lines: readonly BlockLine[], options: ReportOptions): string {
  const out: string[] = [`run ${index}: ${lines.length} block lines over ${seconds((lines.at(-1)?.time ?? 0) - (lines[0]?.time ?? 0))} s`]
  const bursts = burstsOf(lines, options.gapMs)
  for (const [source, c] of countsOf(lines)) {
    out.push(`  ${source}: requested ${c.requested}, arrived ${c.arrived} (${c.duplicates} duplicates), cancelled ${c.cancelled}, timed out ${c.timedOut}`)
    for (const burst of bursts) {
      if (burst.source !== source || burst.start < options.fromMs || burst.start > options.toMs) continue
      out.push(`    +${seconds(burst.start)} s  ${burst.blocks} blocks in ${Math.round(burst.end - burst.start)} ms  pieces ${pieceList(burst.pieces)}`)
    }
  }
  if (options.playRate !== undefined) {
    const { asReceived, inArrivalOrder } = playbackReplay(lines, { ...BENCH_PLAYBACK, rate: options.playRate })
    out.push(`  playback at ${(options.playRate / 2 ** 20).toFixed(2)} MiB/s, as received: ${outcome(asReceived)}; in arrival order: ${outcome(inArrivalOrder)}`)
  }
  return out.join('\n')
}

function outcome(o: ReplayOutcome): string {
  if (o.startMs === undefined) return 'never starts'
  const late = o.firstLate === undefined ? 'no piece late' : `piece ${o.firstLate.piece} first late, by ${seconds(o.firstLate.lateMs)} s`
  return `starts at +${seconds(o.startMs)} s, ${late}`
}

function sourcesOf(lines: readonly BlockLine[]): string[] {
  return [...new Set(lines.map(line => line.source))]
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}

/** '3 5–7 9': runs of consecutive pieces joined. */
function pieceList(pieces: readonly number[]): string {
  const parts: string[] = []
  for (let i = 0; i < pieces.length; i++) {
    const first = pieces[i] as number
    let last = first
    while (pieces[i + 1] === last + 1) last = pieces[++i] as number
    parts.push(first === last ? `${first}` : `${first}–${last}`)
  }
  return parts.join(' ')
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { run: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, gap: { type: 'string' }, play: { type: 'string' } },
    allowPositionals: true,
  })
  const file = positionals[0]
  if (file === undefined) throw new Error('usage: block-trace-report FILE [--run N] [--from S] [--to S] [--gap MS] [--play MIB_S]')
  const number = (value: string | undefined, fallback: number, what: string): number => {
    if (value === undefined) return fallback
    const n = Number(value)
    if (!Number.isFinite(n) || n < 0) throw new Error(`${what} must be a number of at least 0, got "${value}"`)
    return n
  }
  const options: ReportOptions = {
    gapMs: number(values.gap, 100, '--gap'),
    fromMs: number(values.from, 0, '--from') * 1000,
    toMs: number(values.to, Infinity, '--to') * 1000,
    ...(values.play === undefined ? {} : { playRate: number(values.play, 0, '--play') * 2 ** 20 }),
  }
  if (options.playRate === 0) throw new Error('--play must be above 0 MiB/s')
  const runs = parseBlockRuns(readFileSync(file, 'utf8'))
  if (runs.length === 0) throw new Error(`${file} has no block lines: run the daemon with REEL_LOG_LEVEL=trace`)
  const only = values.run === undefined ? undefined : number(values.run, 1, '--run')
  runs.forEach((run, i) => {
    if (only === undefined || only === i + 1) console.log(formatRun(i + 1, run, options))
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main(process.argv.slice(2))
  } catch (err) {
    console.error(`block-trace-report: ${(err as Error).message}`)
    process.exitCode = 1
  }
}
