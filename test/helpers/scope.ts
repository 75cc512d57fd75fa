/**
 * Where helpers register their clean-up. A tap `Test` already is one (its
 * `teardown` runs callbacks last-in first-out and awaits them); scripts such as
 * the bench use `CleanupScope`, which does the same. A process-exit hook kills
 * any child process still alive, so a crashed test leaves no peers behind.
 */
import type { ChildProcess } from 'node:child_process'

/** Anything with tap's `teardown(fn)`. */
export interface Teardown {
  teardown(fn: () => unknown): void
}

/** A stand-alone `Teardown` for code that runs outside tap. */
export class CleanupScope implements Teardown {
  #fns: Array<() => unknown> = []
  #closed = false

  teardown(fn: () => unknown): void {
    if (this.#closed) throw new Error('CleanupScope already closed')
    this.#fns.push(fn)
  }

  /** Runs the registered callbacks, last registered first; errors are collected, not thrown early. */
  async close(): Promise<void> {
    this.#closed = true
    const errors: unknown[] = []
    let fn: (() => unknown) | undefined
    while ((fn = this.#fns.pop()) !== undefined) {
      try {
        await fn()
      } catch (err) {
        errors.push(err)
      }
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, 'several clean-up callbacks failed')
  }
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

/**
 * Remembers a child so that it is killed (its whole process group when it was
 * spawned detached) if this process exits before the owner stops it.
 */
export function trackChild(child: ChildProcess, group: boolean): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const c of live) killQuietly(c, 'SIGKILL', groupOf.get(c) ?? false)
    })
  }
  groupOf.set(child, group)
}
const groupOf = new WeakMap<ChildProcess, boolean>()

/** Sends a signal to a child (or its process group) and ignores "no such process". */
export function killQuietly(child: ChildProcess, signal: NodeJS.Signals, group: boolean): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    if (group) process.kill(-child.pid, signal)
    else child.kill(signal)
  } catch {
    // already gone
  }
}
