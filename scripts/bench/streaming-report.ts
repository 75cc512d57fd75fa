/**
 * Tables and target checks of the streaming section: one table per
 * measurement with each client's median over its successful runs, the ratios
 * Reel/webtorrent and Reel/libtorrent, and the targets. A missed
 * target is a FAIL row, never a failed process.
 */
import { MiB } from './context.js'
import { fmt, median, ratio, type SectionReport, type Table, type TargetCheck } from './report.js'
import { STREAM_CLIENTS, type StreamClientName } from './stream-clients.js'

export interface StreamingPlan {
  fileMiB: number
  runs: number
  seeders: number
  /** Upload limit of each seeder, and the web seed's rate, bytes/s. */
  seederRate: number
  playbackRate: number
  playbackSec: number
  aheadBytes: number
  rebufferBytes: number
  seekFraction: number
  /** Reel's playback readers declare `playbackRate` (`/stream/…?rate=`). */
  reelDeclaresRate: boolean
  /** The file is a Matroska film whose bitrate is `playbackRate`, not random bytes. */
  film: boolean
}

export type Outcome<T> = { ok: true, value: T } | { ok: false, reason: string }

export interface SeekRun { startupSec: number, seekSec: number }

export interface PlaybackRun {
  /** From adding the torrent until the playback reader had 2 MiB. */
  startupSec: number | undefined
  stalls: number
  stalledSec: number
  playedSec: number
  complete: boolean
  receivedBytes: number
  /** From adding the torrent until the play ended. */
  wallSec: number
  cpuSec: number | undefined
  peakRssMiB: number | undefined
}

export interface WebSeedRun extends PlaybackRun { webSeedBytes: number, peerBytes: number, webSeedRequests: number }

/** `webSeedShort`: one seeder replaced by the web seed (peers alone fall short of the play rate); `webSeedSpare`: every seeder plus the web seed. */
export interface ClientRuns {
  seek: Outcome<SeekRun>[]
  playback: Outcome<PlaybackRun>[]
  webSeedShort: Outcome<WebSeedRun>[]
  webSeedSpare: Outcome<WebSeedRun>[]
}

type Metric<T> = (v: T) => number | undefined

function values<T>(runs: Outcome<T>[], pick: Metric<T>): number[] {
  return runs.flatMap(r => (r.ok ? [pick(r.value)] : [])).filter((v): v is number => v !== undefined && Number.isFinite(v))
}

const med = <T>(runs: Outcome<T>[], pick: Metric<T>): number | undefined => median(values(runs, pick))

function status(runs: Outcome<unknown>[]): string {
  const failed = runs.find((r): r is { ok: false, reason: string } => !r.ok)
  return failed === undefined ? 'ok' : failed.reason.slice(0, 90)
}

const okCount = (runs: Outcome<unknown>[]): string => `${runs.filter(r => r.ok).length}/${runs.length}`

interface Column<T> { title: string, pick: Metric<T>, digits: number, ratio?: boolean }

/** One row per client (medians), then Reel/webtorrent and Reel/libtorrent rows for the columns that have ratios. */
function measurementTable<T>(title: string, runs: Map<StreamClientName, Outcome<T>[]>, columns: Column<T>[],
  extra: { perRun?: Metric<T>, perRunDigits?: number, notes: string[] }): Table {
  const rows: string[][] = []
  for (const client of STREAM_CLIENTS) {
    const r = runs.get(client) ?? []
    const perRun = extra.perRun === undefined ? [] : [r.map(o => (o.ok ? fmt(extra.perRun?.(o.value), extra.perRunDigits ?? 2) : '×')).join(' ')]
    rows.push([client, okCount(r), ...columns.map(c => fmt(med(r, c.pick), c.digits)), ...perRun, status(r)])
  }
  const reel = runs.get('Reel') ?? []
  for (const other of ['webtorrent', 'libtorrent'] as const) {
    const o = runs.get(other) ?? []
    const cells = columns.map(c => (c.ratio === false ? '' : fmt(ratio(med(reel, c.pick), med(o, c.pick)), 2, '×')))
    rows.push([`Reel/${other}`, '', ...cells, ...(extra.perRun === undefined ? [] : ['']), ''])
  }
  const head = ['client', 'runs ok', ...columns.map(c => c.title), ...(extra.perRun === undefined ? [] : ['each run']), 'status']
  return { title, columns: head, rows, notes: extra.notes }
}

/** `oracle`: the runs of scripts/bench/oracle-client.ts, a startup and seek that ask for nothing but the bytes needed. */
export function streamingReport(plan: StreamingPlan, byClient: Map<StreamClientName, ClientRuns>, oracle: Outcome<SeekRun>[]): SectionReport {
  const pick = <K extends keyof ClientRuns>(k: K): Map<StreamClientName, ClientRuns[K]> =>
    new Map(STREAM_CLIENTS.map(c => [c, byClient.get(c)?.[k] ?? ([] as unknown as ClientRuns[K])]))
  const seek = pick('seek')
  const playback = pick('playback')
  const webSeedShort = pick('webSeedShort')
  const webSeedSpare = pick('webSeedSpare')
  const rateMiB = plan.playbackRate / MiB
  const file = plan.film
    ? `A Matroska film of about ${plan.fileMiB} MiB whose bitrate is the playback rate (${rateMiB} MiB/s; uncompressed video, so every second holds as many bytes; --film)`
    : `A ${plan.fileMiB} MiB file of random bytes`
  const swarm = `${file}, 1 MiB pieces, ${plan.seeders} libtorrent seeders × ${plan.seederRate / MiB} MiB/s on 127.0.0.1, local tracker; ` +
    `median of ${plan.runs} run(s), each a fresh client process and data dir`
  const shortCapacity = (plan.seeders - 1) * plan.seederRate
  const spareCapacity = plan.seeders * plan.seederRate
  // Peers alone fall short of the play rate by this much: a client that never stalls takes at least this share from the web seed.
  const neededShare = Math.max(0, (100 * (plan.playbackRate - shortCapacity)) / plan.playbackRate)

  const tables: Table[] = [
    measurementTable('Startup: 2 MiB at offset 0, from adding the torrent', pick('seek'),
      [{ title: 'startup s', pick: r => r.startupSec, digits: 3 }],
      { perRun: r => r.startupSec, notes: [swarm + '.', 'The reader asks `bytes=0-` (as a player does) and stops after 2 MiB.'] }),
    measurementTable(`Seek: 2 MiB at ${plan.seekFraction * 100} % after startup`, seek,
      [{ title: 'seek s', pick: r => r.seekSec, digits: 3 }],
      { perRun: r => r.seekSec, notes: ['Same process as startup; the first request is closed, then `bytes=<60 %>-<60 % + 2 MiB - 1>`.'] }),
    oracleTable(oracle, seek.get('Reel') ?? [], seek.get('webtorrent') ?? []),
    measurementTable(`Playback: ${rateMiB} MiB/s for ${plan.playbackSec} s, ≤ ${plan.aheadBytes / MiB} MiB ahead`, playback, [
      { title: 'stalls', pick: r => r.stalls, digits: 0 },
      { title: 'stalled s', pick: r => r.stalledSec, digits: 2 },
      { title: 'played s', pick: r => r.playedSec, digits: 1, ratio: false },
      { title: 'startup s', pick: r => r.startupSec, digits: 3 },
      { title: 'CPU s', pick: r => r.cpuSec, digits: 1 },
      { title: 'peak RSS MiB', pick: r => r.peakRssMiB, digits: 0 },
    ], {
      perRun: r => r.stalls,
      perRunDigits: 0,
      notes: [
        `A fresh process per run; one \`bytes=0-\` GET read with backpressure. The playhead moves at ${rateMiB} MiB/s once ${plan.rebufferBytes / MiB} MiB are in ` +
          `(${((100 * plan.playbackRate) / (plan.seeders * plan.seederRate)).toFixed(0)} % of the swarm's capacity) until ${plan.playbackSec} s ` +
          `of content or the end of the file; a stall starts when it reaches the end of the data and ends once ${plan.rebufferBytes / MiB} MiB are buffered.`,
        `A run that stalls for more than ${plan.playbackSec} s in total is cut short (played s < target). CPU s and peak RSS are the client process's over the run. "each run" lists stalls.`,
        ...(plan.film ? ['The reader declares no rate. Reel reads the film\'s duration from its header (Matroska Info) and keeps its deadlines by that playback clock, as for any player of a film; the anchors have no such notion.'] : []),
        ...(plan.reelDeclaresRate ? [`Reel's reader declares the playback rate (\`?rate=\`, --reel-declares-rate), as the HLS remux declares a film's; here and in the web-seed runs below.`] : []),
      ],
    }),
    webSeedTable(`Web seed replacing a seeder: the same playback, ${plan.seeders - 1} seeders + a ${plan.seederRate / MiB} MiB/s web seed`, webSeedShort, [
      'A second .torrent of the same bytes whose url-list names the web seed (url-list lies outside the info dictionary, so the info hash is ' +
        'the same; the seeders of the other runs are stopped first). Share = bytes the web seed server sent / ' +
        '(that + what the seeders uploaded), both counted at the sources, so the same for every client. "each run" lists the share.',
      `The ${plan.seeders - 1} seeders give at most ${shortCapacity / MiB} MiB/s against ${rateMiB} MiB/s of play, so a client that never stalls ` +
        `takes ≥ ${fmt(neededShare, 1)} % from the web seed. The web seed counts bytes it wrote, including any a client dropped.`,
    ]),
    webSeedTable(`Web seed as a spare: the same playback, ${plan.seeders} seeders + a ${plan.seederRate / MiB} MiB/s web seed`, webSeedSpare, [
      `The ${plan.seeders} seeders give ${spareCapacity / MiB} MiB/s, more than the ${rateMiB} MiB/s of play: peers can keep up, ` +
        'so every byte from the web seed is one a client did not need to take from it.',
    ]),
  ]

  const m = {
    startup: med(seek.get('Reel') ?? [], r => r.startupSec),
    wtStartup: med(seek.get('webtorrent') ?? [], r => r.startupSec),
    seek: med(seek.get('Reel') ?? [], r => r.seekSec),
    wtSeek: med(seek.get('webtorrent') ?? [], r => r.seekSec),
    oracleSeek: med(oracle, r => r.seekSec),
  }
  const reelSeekRuns = seek.get('Reel') ?? []
  const why = (runs: Outcome<unknown>[]): string => status(runs) === 'ok' ? 'no result' : status(runs)
  const reelPlay = values(playback.get('Reel') ?? [], r => r.stalls)
  const reelPlayIncomplete = (playback.get('Reel') ?? []).some(r => r.ok && !r.value.complete)
  const reelShare = med(webSeedSpare.get('Reel') ?? [], share)
  const checks: TargetCheck[] = [
    {
      name: 'startup ≤ webtorrent',
      pass: m.startup === undefined || m.wtStartup === undefined ? undefined : m.startup <= m.wtStartup,
      detail: m.startup === undefined ? why(reelSeekRuns) : `${fmt(m.startup, 3)} vs ${fmt(m.wtStartup, 3)} s`,
    },
    {
      name: 'startup < 0.7 s',
      pass: m.startup === undefined ? undefined : m.startup < 0.7,
      detail: m.startup === undefined ? why(reelSeekRuns) : `${fmt(m.startup, 3)} s`,
    },
    {
      name: 'seek ≤ 0.5 × webtorrent',
      pass: m.seek === undefined || m.wtSeek === undefined ? undefined : m.seek <= 0.5 * m.wtSeek,
      detail: m.seek === undefined
        ? why(reelSeekRuns)
        : `${fmt(m.seek, 3)} vs ${fmt(m.wtSeek, 3)} s (${fmt(ratio(m.seek, m.wtSeek), 2, '×')}); the oracle client ${fmt(m.oracleSeek, 3)} s (${fmt(ratio(m.oracleSeek, m.wtSeek), 2, '×')} of webtorrent's)`,
    },
    {
      name: 'zero stalls in playback',
      pass: reelPlay.length === 0 ? undefined : reelPlay.every(s => s === 0) && !reelPlayIncomplete,
      detail: reelPlay.length === 0 ? why(playback.get('Reel') ?? []) : `stalls per run: ${reelPlay.join(', ')}${reelPlayIncomplete ? ' (a run was cut short)' : ''}`,
    },
    {
      name: 'web-seed share < 10 % when peers can keep up',
      pass: reelShare === undefined ? undefined : reelShare < 10,
      detail: reelShare === undefined ? why(webSeedSpare.get('Reel') ?? []) : `${fmt(reelShare, 1)} % with ${plan.seeders} seeders + the web seed`,
    },
  ]
  return {
    name: 'Streaming',
    tables,
    checks,
    data: { plan, runs: Object.fromEntries(byClient) },
  }
}

/** The oracle client's medians beside Reel's and webtorrent's, and what each is of them. */
function oracleTable(oracle: Outcome<SeekRun>[], reel: Outcome<SeekRun>[], webtorrent: Outcome<SeekRun>[]): Table {
  const row = (name: string, runs: Outcome<SeekRun>[]): string[] => {
    const startup = med(runs, r => r.startupSec)
    const seek = med(runs, r => r.seekSec)
    return [name, okCount(runs), fmt(startup, 3), fmt(seek, 3),
      fmt(ratio(startup, med(oracle, r => r.startupSec)), 2, '×'), fmt(ratio(seek, med(oracle, r => r.seekSec)), 2, '×'), status(runs)]
  }
  return {
    title: 'Oracle client: the same startup and seek, asking the seeders for nothing but the bytes needed',
    columns: ['client', 'runs ok', 'startup s', 'seek s', 'startup/oracle', 'seek/oracle', 'status'],
    rows: [row('oracle', oracle), row('Reel', reel), row('webtorrent', webtorrent),
      ['oracle each run', '', oracle.map(o => (o.ok ? fmt(o.value.startupSec, 2) : '×')).join(' '), oracle.map(o => (o.ok ? fmt(o.value.seekSec, 2) : '×')).join(' '), '', '', '']],
    notes: [
      'After each run\'s clients, a wire client already connected to the seeders (scripts/bench/oracle-client.ts) asks them for the opening\'s pieces, ' +
        'split evenly, and once those are in, for every block of the pieces the seek\'s 2 MiB lie in, again split evenly, with nothing else ever in flight. ' +
        'No client can ask for less at the seek. Its startup starts once it is connected, and the seeders\' limiters may hold quota left from the run before, ' +
        'so startup times compare loosely; the seek is what the seeders give right after an opening to a client with nothing else in flight.',
    ],
  }
}

function share(w: WebSeedRun): number | undefined {
  return w.webSeedBytes + w.peerBytes > 0 ? (100 * w.webSeedBytes) / (w.webSeedBytes + w.peerBytes) : undefined
}

function webSeedTable(title: string, runs: Map<StreamClientName, Outcome<WebSeedRun>[]>, notes: string[]): Table {
  return measurementTable(title, runs, [
    { title: 'web-seed share %', pick: share, digits: 1 },
    { title: 'web-seed MiB', pick: r => r.webSeedBytes / MiB, digits: 1 },
    { title: 'peer MiB', pick: r => r.peerBytes / MiB, digits: 1 },
    { title: 'stalls', pick: r => r.stalls, digits: 0 },
    { title: 'stalled s', pick: r => r.stalledSec, digits: 2 },
  ], { perRun: share, notes })
}
