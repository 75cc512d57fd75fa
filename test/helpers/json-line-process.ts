/**
 * A child process that reports on stdout with one JSON object per line (the
 * peer scripts' protocol, and pino logs). Lines are kept so that `waitFor`
 * never misses one that came before it was called; `waitFor` fails with the
 * tail of stderr when the child exits first. `stop()` is registered as
 * teardown, so the child never outlives its test.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { killQuietly, trackChild, type Teardown } from './scope.js'

export type JsonLine = Record<string, unknown>

export interface JsonLineProcessInit {
  /** Short label used in error messages. */
  name: string
  command: string
  args: readonly string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Start a process group and signal the whole group on stop (for children that spawn children). */
  group?: boolean
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 5000 ms. */
  stopGraceMs?: number
  /** Keep stdin open as a pipe: the peer scripts exit when it closes. Default true. */
  pipeStdin?: boolean
  /** Copy every stdout/stderr line to this process's stderr, prefixed by the name. */
  echo?: boolean
}

export interface WaitOptions {
  timeoutMs?: number
  signal?: AbortSignal
  /** Described in the timeout error, e.g. `'"finished" event'`. */
  what?: string
}

const KEEP_LINES = 2000
const KEEP_STDERR = 8192

/**
 * A process group outlives a test process that is killed outright (tap's
 * timeout, SIGKILL), and 'exit' hooks do not run then. A detached `sh` holds
 * the read end of a pipe from us; when we die the pipe closes and it kills the
 * group.
 */
function groupWatchdog(pgid: number): ChildProcess {
  const dog = spawn('/bin/sh', ['-c', 'read _ ; kill -9 -"$1" 2>/dev/null', 'reel-test-watchdog', String(pgid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  })
  dog.stdin?.on('error', () => {})
  dog.unref()
  const stdin = dog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null
  stdin?.unref?.()
  trackChild(dog, false)
  return dog
}

export class JsonLineProcess extends EventEmitter {
  readonly name: string
  readonly process: ChildProcess
  /** The most recent JSON lines (bounded). */
  readonly lines: JsonLine[] = []
  #stderr = ''
  #arrivals = new WeakMap<JsonLine, number>()
  #exited: Promise<number | null>
  #exitInfo: string | undefined
  #drained: Promise<void>
  #isDrained = false
  #group: boolean
  #graceMs: number
  #watchdog: ChildProcess | undefined

  constructor(init: JsonLineProcessInit) {
    super()
    this.name = init.name
    this.#group = init.group ?? false
    this.#graceMs = init.stopGraceMs ?? 5000
    const options: SpawnOptions = {
      cwd: init.cwd,
      env: init.env ?? process.env,
      stdio: [init.pipeStdin === false ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: this.#group,
    }
    this.process = spawn(init.command, init.args, options)
    trackChild(this.process, this.#group)
    if (this.#group && this.process.pid !== undefined) this.#watchdog = groupWatchdog(this.process.pid)
    this.#exited = new Promise(resolve => {
      this.process.once('exit', (code, signal) => {
        this.#exitInfo = signal !== null ? `signal ${signal}` : `code ${code}`
        resolve(code)
      })
      this.process.once('error', err => {
        this.#exitInfo = `spawn error: ${err.message}`
        resolve(null)
      })
    })
    // 'exit' can come before the last stdout lines are read; waiters give up only
    // once stdout has closed too (or shortly after exit, if a grandchild holds it).
    const closed = new Promise<void>(resolve => this.process.once('close', () => resolve()))
    this.#drained = this.#exited.then(() => Promise.race([closed, delay(500)]))
    void this.#drained.then(() => {
      this.#isDrained = true
      this.emit('drained')
    })
    this.process.stdin?.on('error', () => {}) // EPIPE when the child is gone
    let pending = ''
    this.process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk
      let nl: number
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        this.#onLine(text, init.echo ?? false)
      }
    })
    this.process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (init.echo) process.stderr.write(chunk.replace(/^/gm, `[${this.name}!] `))
      this.#stderr = (this.#stderr + chunk).slice(-KEEP_STDERR)
    })
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error(`${this.name} has no pid (spawn failed)`)
    return this.process.pid
  }

  get exitCode(): number | null {
    return this.process.exitCode
  }

  /** Whether the child has exited (or failed to start). */
  get exited(): boolean {
    return this.#exitInfo !== undefined
  }

  /** `performance.now()` when the line arrived, for timing measurements. */
  receivedAt(line: JsonLine): number | undefined {
    return this.#arrivals.get(line)
  }

  stderrTail(max = 2000): string {
    return this.#stderr.slice(-max)
  }

  /** Resolves with the exit code (null when killed by a signal). */
  waitExit(): Promise<number | null> {
    return this.#exited
  }

  /** Registers `stop()` as the scope's teardown. */
  stopOnTeardown(scope: Teardown): this {
    scope.teardown(() => this.stop())
    return this
  }

  /**
   * First line, past or future, that matches. Rejects on timeout, abort, or
   * when the child exits without printing one.
   */
  waitFor(match: (line: JsonLine) => boolean, opts: WaitOptions = {}): Promise<JsonLine> {
    const what = opts.what ?? 'a matching line'
    const seen = this.lines.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    if (this.#isDrained) return Promise.reject(this.#exitError(what))
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        this.off('line', onLine)
        this.off('drained', onExit)
        if (timer !== undefined) clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onAbort)
      }
      const onLine = (line: JsonLine): void => {
        if (!match(line)) return
        cleanup()
        resolve(line)
      }
      const onExit = (): void => {
        cleanup()
        reject(this.#exitError(what))
      }
      const onAbort = (): void => {
        cleanup()
        reject(opts.signal?.reason ?? new Error('aborted'))
      }
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        cleanup()
        reject(new Error(`${this.name}: timed out after ${opts.timeoutMs} ms waiting for ${what}` +
          `; last lines: ${JSON.stringify(this.lines.slice(-3))}; stderr: ${this.stderrTail(800)}`))
      }, opts.timeoutMs)
      this.on('line', onLine)
      this.once('drained', onExit)
      if (opts.signal?.aborted) onAbort()
      else opts.signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Waits for the first line whose `event` field equals `event`. */
  waitForEvent(event: string, opts: WaitOptions = {}): Promise<JsonLine> {
    return this.waitFor(l => l['event'] === event, { what: `"${event}" event`, ...opts })
  }

  /** Latest line with this `event` field, if any. */
  last(event: string): JsonLine | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.lines[i]
      if (l !== undefined && l['event'] === event) return l
    }
    return undefined
  }

  /** Sends a signal (to the group when spawned as one) without waiting. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    killQuietly(this.process, signal, this.#group)
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the child has exited. */
  async stop(): Promise<void> {
    if (this.exited) return
    this.process.stdin?.end()
    this.kill('SIGTERM')
    const timer = setTimeout(() => this.kill('SIGKILL'), this.#graceMs)
    try {
      await this.#exited
    } finally {
      clearTimeout(timer)
    }
    // children of a group leader may outlive it
    if (this.#group && this.process.pid !== undefined) {
      try { process.kill(-this.process.pid, 'SIGKILL') } catch { /* group empty */ }
    }
    if (this.#watchdog !== undefined) killQuietly(this.#watchdog, 'SIGKILL', false)
  }

  #onLine(text: string, echo: boolean): void {
    if (echo) process.stderr.write(`[${this.name}] ${text}\n`)
    const trimmed = text.trim()
    if (!trimmed.startsWith('{')) return
    let line: JsonLine
    try {
      const parsed: unknown = JSON.parse(trimmed)
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return
      line = parsed as JsonLine
    } catch {
      return
    }
    this.#arrivals.set(line, performance.now())
    this.lines.push(line)
    if (this.lines.length > KEEP_LINES) this.lines.splice(0, this.lines.length - KEEP_LINES)
    this.emit('line', line)
  }

  #exitError(what: string): Error {
    return new Error(`${this.name} exited (${this.#exitInfo ?? 'unknown'}) before ${what}; ` +
      `stderr: ${this.stderrTail(1500) || '(empty)'}`)
  }
}
