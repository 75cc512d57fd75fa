/**
 * CPU time and peak memory of a process from Linux /proc: utime+stime from
 * /proc/PID/stat (clock ticks), VmHWM from /proc/PID/status. Sample before the
 * process exits; the numbers vanish with it.
 */
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'

let ticksPerSecond: number | undefined

function clockTicks(): number {
  if (ticksPerSecond !== undefined) return ticksPerSecond
  try {
    ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    ticksPerSecond = 100
  }
  return ticksPerSecond
}

export interface ProcSample {
  /** User + system CPU seconds since the process started (its threads included, children not). */
  cpuSeconds: number
  /** Peak resident set size in bytes (VmHWM). */
  peakRssBytes: number
}

export async function sampleProcess(pid: number): Promise<ProcSample> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ])
  // the command name may hold spaces and parentheses: fields start after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || hwm?.[1] === undefined) {
    throw new Error(`cannot read CPU and memory of process ${pid}`)
  }
  return { cpuSeconds: (utime + stime) / clockTicks(), peakRssBytes: Number(hwm[1]) * 1024 }
}
