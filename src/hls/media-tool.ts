/**
 * ffmpeg and ffprobe as child processes behind a small injectable runner. A ToolProcess never
 * rejects: `exited` resolves with the code, the signal, stdout and the tail of stderr, and
 * callers judge the result themselves (ffmpeg exits 0 on a dropped source). Every live child is
 * tracked by a ToolRegistry so that `stop()` can kill them all and the bench can read PIDs.
 */
import { spawn } from 'node:child_process'
import { AbortedError, MediaToolError } from '../errors.js'

export interface ToolExit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  /** The last few KB of stderr. */
  stderr: string
  /** Set when the program could not be started at all (ENOENT…). */
  spawnError?: Error
}

export interface ToolProcess {
  readonly pid: number | undefined
  readonly exited: Promise<ToolExit>
  /** SIGKILL: ffmpeg's own SIGTERM handling writes a trailer we do not want. */
  kill: () => void
  /** SIGSTOP / SIGCONT, to hold a remux that runs too far ahead of the player. */
  pause: () => void
  resume: () => void
}

export type ToolRunner = (command: string, args: readonly string[]) => ToolProcess

const STDOUT_LIMIT = 64 * 1024 * 1024
const STDERR_TAIL = 4000

/** The real runner: `spawn` with stdin closed; stdout kept (ffprobe's JSON), stderr's tail kept. */
export const spawnTool: ToolRunner = (command, args) => {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout: Buffer[] = []
  let stdoutBytes = 0
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdoutBytes < STDOUT_LIMIT) { stdout.push(chunk); stdoutBytes += chunk.length }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-STDERR_TAIL) })
  const exited = new Promise<ToolExit>(resolve => {
    let spawnError: Error | undefined
    child.once('error', err => {
      spawnError = err
      // A child that never started emits no 'close'.
      if (child.pid === undefined) resolve({ code: null, signal: null, stdout: '', stderr, spawnError })
    })
    child.once('close', (code, signal) => {
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr, ...(spawnError === undefined ? {} : { spawnError }) })
    })
  })
  const signal = (name: NodeJS.Signals): void => {
    if (child.exitCode !== null || child.signalCode !== null) return
    try { child.kill(name) } catch { /* already gone */ }
  }
  return {
    pid: child.pid,
    exited,
    kill: () => { signal('SIGCONT'); signal('SIGKILL') },
    pause: () => { signal('SIGSTOP') },
    resume: () => { signal('SIGCONT') }
  }
}

/** Live children, so that stop() kills them all and stats() lists their PIDs. */
export class ToolRegistry {
  private readonly live = new Set<ToolProcess>()

  constructor (private readonly runner: ToolRunner) {}

  start (command: string, args: readonly string[]): ToolProcess {
    const child = this.runner(command, args)
    this.live.add(child)
    void child.exited.then(() => this.live.delete(child))
    return child
  }

  /** Runs to completion; the signal kills the child. Throws AbortedError, MediaToolError when it cannot start. */
  async run (command: string, args: readonly string[], signal?: AbortSignal): Promise<ToolExit> {
    signal?.throwIfAborted()
    const child = this.start(command, args)
    const onAbort = (): void => { child.kill() }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const exit = await child.exited
      if (signal?.aborted === true) throw new AbortedError(`${command} was stopped`, { cause: signal.reason })
      throwIfNotStarted(command, exit)
      return exit
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  pids (): number[] {
    return [...this.live].map(c => c.pid).filter((pid): pid is number => pid !== undefined)
  }

  /** Kills every live child and waits for them to be gone. */
  async killAll (): Promise<void> {
    const children = [...this.live]
    for (const child of children) child.kill()
    await Promise.all(children.map(async c => await c.exited))
  }
}

/** A child that could not be started is a MediaToolError naming what to install. */
export function throwIfNotStarted (command: string, exit: ToolExit): void {
  const err = exit.spawnError as NodeJS.ErrnoException | undefined
  if (err === undefined) return
  if (err.code === 'ENOENT') throw new MediaToolError(`${command} is not installed (apt-get install ffmpeg)`, { cause: err })
  throw new MediaToolError(`cannot run ${command}: ${err.message}`, { cause: err })
}

/** The last line of a tool's stderr worth showing in an error message. */
export function lastLines (stderr: string, max = 300): string {
  const text = stderr.trim().split('\n').slice(-3).join(' | ')
  return text.length > max ? text.slice(-max) : text
}
