/**
 * Tables and target checks of the player section (issue 4, Must show 2 and 3): one row per
 * run and a median row, for the time from Enter on a title to the first `playing` event and
 * for the peak memory of the daemon and its ffmpeg processes while the title plays (the
 * checked window, from Enter on) and over the whole run (the home screen's posters included).
 */
import { MiB } from './context.js'
import { fmt, median, type SectionReport, type Table, type TargetCheck } from './report.js'
import type { MemoryPeaks, WindowPeaks } from './player-memory.js'

export interface PlayerPlan {
  runs: number
  seeders: number
  /** Upload limit of each seeder, bytes/s. */
  seederRate: number
  clipSeconds: number
  /** What each title is, in home-screen order. */
  titles: Array<{ kind: string, name: string, lengthBytes: number }>
  /** How long the title keeps playing after the first `playing` event, s. */
  playSec: number
}

export interface PlayerRun {
  /** From Enter on the title (home screen) to the first `playing` event, ms (in the page's clock). */
  titleEnterToPlayingMs: number
  /** From Enter on Play to the first `playing` event, ms. */
  playEnterToPlayingMs: number
  /** From POST /api/torrents of the first title to Enter on it, ms (the UI loaded and focused it). */
  addToEnterMs: number
  /** Media time played in the playing window, s. */
  playedSec: number
  /** `waiting` events of the video element in the playing window. */
  waitingEvents: number
  memory: MemoryPeaks
}

export type PlayerOutcome = { ok: true, value: PlayerRun } | { ok: false, reason: string }

/** The issue's targets are in MB (10^6 bytes): 120 MB is 114.4 MiB, 60 MB is 57.2 MiB. */
export const MEMORY_TARGETS = { daemonBytes: 120e6, ffmpegBytes: 60e6 }
export const STARTUP_TARGET_MS = 3000

type Pick = (r: PlayerRun) => number | undefined
/** A median cell: which number and how it is shown. */
type MedianCell = { pick: Pick, show: (v: number | undefined) => string } | undefined

const mib = (bytes: number | undefined): string => fmt(bytes === undefined ? undefined : bytes / MiB, 1)

const ms: (v: number | undefined) => string = v => fmt(v, 0)
const sec: (v: number | undefined) => string = v => fmt(v, 1)

/** Rows `run 1..n` then a median row; `cells` gives a run's cells, `medians` the median row's. */
function perRunTable(runs: PlayerOutcome[], title: string, columns: string[], cells: (r: PlayerRun) => string[],
  medians: MedianCell[], notes: string[]): Table {
  const ok = runs.flatMap(r => r.ok ? [r.value] : [])
  const rows = runs.map((r, i) => r.ok ? [`run ${i + 1}`, ...cells(r.value)] : [`run ${i + 1}`, ...columns.map(() => '×')])
  rows.push([`median (${ok.length}/${runs.length} ok)`, ...medians.map(cell =>
    cell === undefined ? '' : cell.show(median(ok.map(cell.pick).filter((v): v is number => v !== undefined))))])
  return { title, columns: ['', ...columns], rows, notes }
}

function memoryColumns(w: (r: PlayerRun) => WindowPeaks | undefined): { columns: string[], cells: (r: PlayerRun) => string[], medians: MedianCell[] } {
  return {
    columns: ['daemon peak RSS MiB', 'ffmpeg peak RSS MiB', 'sum MiB', 'largest one ffmpeg MiB', 'remux ffmpeg MiB', 'children'],
    cells: r => {
      const p = w(r)
      if (p === undefined) return ['—', '—', '—', '—', '—', '—']
      return [mib(p.daemonPeakBytes), mib(p.childrenPeakBytes), mib(p.daemonPeakBytes + p.childrenPeakBytes),
        `${mib(p.largestChildBytes)} (${p.largestChildKind ?? 'none'})`, mib(p.remuxPeakBytes),
        Object.entries(p.childKinds).map(([kind, n]) => `${n} ${kind}`).join(', ')]
    },
    medians: ([
      r => w(r)?.daemonPeakBytes, r => w(r)?.childrenPeakBytes,
      r => { const p = w(r); return p === undefined ? undefined : p.daemonPeakBytes + p.childrenPeakBytes },
      r => w(r)?.largestChildBytes, r => w(r)?.remuxPeakBytes,
    ] satisfies Pick[]).map(pick => ({ pick, show: mib })),
  }
}

export function playerReport(plan: PlayerPlan, runs: PlayerOutcome[]): SectionReport {
  const ok = runs.flatMap(r => r.ok ? [r.value] : [])
  const failures = runs.flatMap((r, i) => r.ok ? [] : [`run ${i + 1} failed: ${r.reason}`])
  const first = plan.titles[0]
  const swarm = `${plan.titles.length} titles (${plan.titles.map(t => `${t.kind} ${(t.lengthBytes / MiB).toFixed(1)} MiB`).join(', ')}; ` +
    `${plan.clipSeconds} s of 720p30 each, 256 KiB pieces), each seeded by ${plan.seeders} libtorrent seeders × ${plan.seederRate / MiB} MiB/s ` +
    'on 127.0.0.1 behind a local tracker'
  const playing = memoryColumns(r => r.memory.playing)
  const whole = memoryColumns(r => r.memory.run)
  const tables: Table[] = [
    perRunTable(runs, `Enter on "${first?.name ?? '?'}" → first \`playing\` event, headless Chromium on a fresh daemon`,
      ['Enter on title → playing ms', 'Enter on Play → playing ms', 'add → Enter ms'],
      r => [String(r.titleEnterToPlayingMs), String(r.playEnterToPlayingMs), fmt(r.addToEnterMs, 0)],
      [{ pick: r => r.titleEnterToPlayingMs, show: ms }, { pick: r => r.playEnterToPlayingMs, show: ms }, { pick: r => r.addToEnterMs, show: ms }], [
        `${swarm}. Each run: a fresh daemon and data dir, both torrents added (POST /api/torrents), the UI opened, ` +
          'Enter pressed as soon as the first title has focus, then Enter on Play as soon as it has focus; times from the keydown ' +
          'events to the first `playing` event of the video element, in the page\'s clock.',
        '"add → Enter": from adding the first torrent to Enter on it (loading the UI); the daemon had that long before the press.',
        ...failures,
      ]),
    perRunTable(runs, `Peak memory while playing: from Enter on the title to ${plan.playSec} s after the first \`playing\``,
      [...playing.columns, 'played s', 'waiting events'],
      r => [...playing.cells(r), fmt(r.playedSec, 1), String(r.waitingEvents)],
      [...playing.medians, undefined, { pick: r => r.playedSec, show: sec }, undefined], [
        'At Enter the peak RSS (VmHWM) of the daemon and its live children is reset (/proc/PID/clear_refs = 5), so the window is Enter → end.',
        'daemon: the daemon\'s (node) VmHWM. ffmpeg: the daemon\'s child processes (remux sessions, posters, probes) at once: the larger of ' +
          'the highest sum of their VmRSS sampled every 200 ms and the largest VmHWM of one of them. sum = daemon + ffmpeg peaks (they need ' +
          'not coincide). remux: a session\'s ffmpeg (GET /hls/stats). children: processes of the daemon\'s process group alive in the window.',
        'played s: media time in the window after the first `playing`; waiting events: rebuffering in that window.',
      ]),
    perRunTable(runs, 'Peak memory over the whole run: from the daemon\'s start (home screen, posters and probes included)',
      whole.columns, whole.cells, [...whole.medians, undefined], [
        'Same measures, without the reset: the daemon\'s VmHWM since it started and every child it ran.',
      ]),
  ]

  const startup = median(ok.map(r => r.titleEnterToPlayingMs))
  const highest = (pick: (w: WindowPeaks) => number): number | undefined => {
    const values = ok.flatMap(r => r.memory.playing === undefined ? [] : [pick(r.memory.playing)])
    return values.length === 0 ? undefined : Math.max(...values)
  }
  const each = (pick: (w: WindowPeaks) => number): string => ok.map(r => mib(r.memory.playing === undefined ? undefined : pick(r.memory.playing))).join(', ')
  const daemonPeak = highest(w => w.daemonPeakBytes)
  const ffmpegPeak = highest(w => w.childrenPeakBytes)
  const why = failures[0] ?? 'no run succeeded'
  const checks: TargetCheck[] = [
    {
      name: `Enter on a title → first \`playing\` < ${STARTUP_TARGET_MS / 1000} s (median)`,
      pass: startup === undefined ? undefined : startup < STARTUP_TARGET_MS,
      detail: startup === undefined ? why : `${fmt(startup, 0)} ms; runs: ${ok.map(r => r.titleEnterToPlayingMs).join(', ')} ms`,
    },
    {
      name: `daemon peak RSS while playing < ${MEMORY_TARGETS.daemonBytes / 1e6} MB = ${mib(MEMORY_TARGETS.daemonBytes)} MiB (highest run)`,
      pass: daemonPeak === undefined ? undefined : daemonPeak < MEMORY_TARGETS.daemonBytes,
      detail: daemonPeak === undefined ? why : `${mib(daemonPeak)} MiB; runs: ${each(w => w.daemonPeakBytes)} MiB`,
    },
    {
      name: `ffmpeg peak RSS while playing < ${MEMORY_TARGETS.ffmpegBytes / 1e6} MB = ${mib(MEMORY_TARGETS.ffmpegBytes)} MiB (highest run, all children at once)`,
      pass: ffmpegPeak === undefined ? undefined : ffmpegPeak < MEMORY_TARGETS.ffmpegBytes,
      detail: ffmpegPeak === undefined ? why : `${mib(ffmpegPeak)} MiB; runs: ${each(w => w.childrenPeakBytes)} MiB; ` +
        `remux ffmpeg alone: ${each(w => w.remuxPeakBytes)} MiB`,
    },
  ]
  return { name: 'Player: Enter to playing, and memory while playing', tables, checks, data: { plan, runs } }
}
