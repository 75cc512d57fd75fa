/**
 * Peak memory of the daemon and of every process it runs (ffmpeg, ffprobe), over the whole
 * run and over the "playing" window that opens at Enter on a title. Every 200 ms: the daemon's
 * VmHWM, the processes of its process group found in /proc (the daemon is a group leader; this
 * kernel has no /proc/PID/task/TID/children) with their VmRSS and VmHWM, and GET /hls/stats to
 * tell remux sessions from posters and probes. ffmpeg sessions restart on seeks, so a child's
 * peak is its last VmHWM seen before it exited; a peak reached in its last 200 ms can be missed.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'

export type ChildKind = 'remux' | 'ffmpeg' | 'ffprobe' | 'other'

export interface ChildPeak {
  pid: number
  /** The process's name in /proc (`comm`). */
  name: string
  /** `remux` when /hls/stats listed it as a session's ffmpeg. */
  kind: ChildKind
  /** Its VmHWM, highest seen. */
  peakBytes: number
  /** Its VmHWM since `markPlaying()`; undefined if it was gone by then. */
  playingPeakBytes: number | undefined
  /** Milliseconds from the sampler's start to the first and last sample that saw it. */
  firstSeenMs: number
  lastSeenMs: number
}

/** Peaks over one window of the run. */
export interface WindowPeaks {
  /** The daemon's VmHWM (reset when the window opens). */
  daemonPeakBytes: number
  /** The daemon's children at once: the larger of the highest sampled sum of their VmRSS and the largest single VmHWM. */
  childrenPeakBytes: number
  /** The largest VmHWM of one child, and what it was. */
  largestChildBytes: number
  largestChildKind: ChildKind | undefined
  /** The largest VmHWM of a remux session's ffmpeg. */
  remuxPeakBytes: number
  /** The highest sampled daemon VmRSS + children's VmRSS. */
  togetherPeakBytes: number
  /** Children alive in the window, by kind. */
  childKinds: Partial<Record<ChildKind, number>>
}

export interface MemoryPeaks {
  /** From the sampler's start (right after the daemon's) to `stop()`. */
  run: WindowPeaks
  /** From `markPlaying()` to `stop()`; undefined without a mark. */
  playing: WindowPeaks | undefined
  /** Milliseconds from the sampler's start to `markPlaying()`. */
  playingFromMs: number | undefined
  children: ChildPeak[]
  samples: number
  /** Samples in which GET /hls/stats did not answer. */
  statsMisses: number
}

export interface MemorySampler {
  /**
   * Opens the "playing" window: samples once, then resets the peak RSS (VmHWM) of the daemon
   * and its children (`/proc/PID/clear_refs` = 5), so their VmHWM covers the window alone.
   */
  markPlaying(): Promise<void>
  /** Stops sampling (idempotent) and returns the peaks; call it before the daemon is stopped. */
  stop(): Promise<MemoryPeaks>
}

export interface MemorySamplerInit {
  daemonPid: number
  /** The daemon's base URL, for GET /hls/stats. */
  daemonUrl: string
  intervalMs?: number
}

interface ProcStatus { name: string, rssBytes: number, hwmBytes: number }

/** Running maxima of one window. */
interface Window { daemonHwm: number, childrenSum: number, together: number }

export function startMemorySampler(init: MemorySamplerInit): MemorySampler {
  const intervalMs = init.intervalMs ?? 200
  const started = performance.now()
  const children = new Map<number, ChildPeak>()
  const remuxPids = new Set<number>()
  const whole: Window = { daemonHwm: 0, childrenSum: 0, together: 0 }
  let playing: Window | undefined
  let playingFromMs: number | undefined
  const counts = { samples: 0, statsMisses: 0 }
  let running = true
  let timer: NodeJS.Timeout | undefined
  let inFlight: Promise<void> = Promise.resolve()

  const sample = async (): Promise<void> => {
    const [daemon, group] = await Promise.all([
      procStatus(init.daemonPid),
      groupMembers(init.daemonPid),
      sessionPids(init.daemonUrl).then(pids => { for (const p of pids) remuxPids.add(p) }, () => { counts.statsMisses++ }),
    ])
    const now = performance.now() - started
    const windows = playing === undefined ? [whole] : [whole, playing]
    let sum = 0
    const statuses = await Promise.all(group.map(async pid => [pid, await procStatus(pid)] as const))
    for (const [pid, status] of statuses) {
      if (status === undefined) continue
      sum += status.rssBytes
      const inPlaying = playing === undefined ? undefined : status.hwmBytes
      const known = children.get(pid)
      if (known === undefined) {
        children.set(pid, { pid, name: status.name, kind: kindOf(status.name), peakBytes: status.hwmBytes, playingPeakBytes: inPlaying, firstSeenMs: now, lastSeenMs: now })
      } else {
        known.peakBytes = Math.max(known.peakBytes, status.hwmBytes)
        if (inPlaying !== undefined) known.playingPeakBytes = Math.max(known.playingPeakBytes ?? 0, inPlaying)
        known.lastSeenMs = now
      }
    }
    for (const w of windows) {
      if (daemon !== undefined) w.daemonHwm = Math.max(w.daemonHwm, daemon.hwmBytes)
      w.childrenSum = Math.max(w.childrenSum, sum)
      w.together = Math.max(w.together, sum + (daemon?.rssBytes ?? 0))
    }
    counts.samples++
  }

  const tick = (): void => {
    inFlight = sample().catch(() => {}).finally(() => {
      if (running) timer = setTimeout(tick, intervalMs)
    })
  }
  tick()

  const peaksOf = (w: Window, list: ChildPeak[], pick: (c: ChildPeak) => number | undefined): WindowPeaks => {
    const alive = list.filter(c => pick(c) !== undefined)
    const largest = alive.reduce<ChildPeak | undefined>((best, c) => best === undefined || (pick(c) ?? 0) > (pick(best) ?? 0) ? c : best, undefined)
    const largestBytes = largest === undefined ? 0 : pick(largest) ?? 0
    const childKinds: Partial<Record<ChildKind, number>> = {}
    for (const c of alive) childKinds[c.kind] = (childKinds[c.kind] ?? 0) + 1
    return {
      daemonPeakBytes: w.daemonHwm,
      childrenPeakBytes: Math.max(w.childrenSum, largestBytes),
      largestChildBytes: largestBytes,
      largestChildKind: largest?.kind,
      remuxPeakBytes: Math.max(0, ...alive.filter(c => c.kind === 'remux').map(c => pick(c) ?? 0)),
      togetherPeakBytes: w.together,
      childKinds,
    }
  }

  let result: Promise<MemoryPeaks> | undefined
  return {
    async markPlaying() {
      // no sample may read a VmHWM before the reset and count it after
      running = false
      clearTimeout(timer)
      await inFlight
      await sample().catch(() => {})
      const pids = [init.daemonPid, ...await groupMembers(init.daemonPid).catch(() => [])]
      await Promise.all(pids.map(async pid => { await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => {}) }))
      playingFromMs = performance.now() - started
      playing = { daemonHwm: 0, childrenSum: 0, together: 0 }
      if (result !== undefined) return
      running = true
      tick()
    },
    stop() {
      result ??= (async () => {
        running = false
        clearTimeout(timer)
        await inFlight
        await sample().catch(() => {})
        const list = [...children.values()].map(c => ({ ...c, kind: remuxPids.has(c.pid) ? 'remux' as const : c.kind }))
        return {
          run: peaksOf(whole, list, c => c.peakBytes),
          playing: playing === undefined ? undefined : peaksOf(playing, list, c => c.playingPeakBytes),
          playingFromMs,
          children: list,
          samples: counts.samples,
          statsMisses: counts.statsMisses,
        }
      })()
      return result
    },
  }
}

function kindOf(name: string): ChildKind {
  return name === 'ffmpeg' || name === 'ffprobe' ? name : 'other'
}

/** Name, VmRSS and VmHWM of a live process; undefined once it is gone (or a zombie, which has no memory lines). */
async function procStatus(pid: number): Promise<ProcStatus | undefined> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const kB = (field: string): number | undefined => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text)
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024
  }
  const rssBytes = kB('VmRSS')
  const hwmBytes = kB('VmHWM')
  if (rssBytes === undefined || hwmBytes === undefined) return undefined
  return { name: /^Name:\s+(.*)$/m.exec(text)?.[1]?.trim() ?? '?', rssBytes, hwmBytes }
}

/** Processes of the process group `pgid`, except its leader. */
async function groupMembers(pgid: number): Promise<number[]> {
  const entries = await readdir('/proc')
  const pids = entries.filter(e => /^\d+$/.test(e)).map(Number).filter(pid => pid !== pgid)
  const members = await Promise.all(pids.map(async pid => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
    if (stat === undefined) return undefined
    // the command name may hold spaces and parentheses: fields start after the last ')'; pgrp is the 3rd
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[2]) === pgid ? pid : undefined
  }))
  return members.filter((pid): pid is number => pid !== undefined)
}

/** The ffmpeg PIDs of the running remux sessions. */
async function sessionPids(daemonUrl: string): Promise<number[]> {
  const res = await fetch(`${daemonUrl}/hls/stats`, { signal: AbortSignal.timeout(1000) })
  if (res.status !== 200) throw new Error(`GET /hls/stats answered ${res.status}`)
  const body = await res.json() as { sessions?: Array<{ pid?: unknown }> }
  return (body.sessions ?? []).map(s => s.pid).filter((pid): pid is number => typeof pid === 'number')
}
