/**
 * sd_notify for `reel daemon` under systemd (`Type=notify`, `WatchdogSec=`): READY=1 once
 * listening, WATCHDOG=1 from the event loop at half of WATCHDOG_USEC, STOPPING=1 on shutdown.
 * Node cannot send on unix datagram sockets, so each message is handed to `systemd-notify`
 * (the unit sets `NotifyAccess=all`). Without NOTIFY_SOCKET every call is a no-op.
 */
import { execFile } from 'node:child_process'

/** Sends one notification: runs `systemd-notify` with these arguments; rejects when it fails. */
export type NotifyRunner = (args: readonly string[]) => Promise<void>

export interface SdNotifierInit {
  env: Readonly<Record<string, string | undefined>>
  /** This process's id, compared with WATCHDOG_PID. Default: `process.pid`. */
  pid?: number
  /** Default: spawns `systemd-notify`, which waits until systemd has read the message. */
  run?: NotifyRunner
  /** Called when a notification could not be sent; the daemon keeps running. */
  onError?: (err: Error, message: string) => void
  /** Timers, injectable for tests. */
  timers?: WatchdogTimers
}

/** The two timer functions the watchdog uses (method syntax: Node's own functions fit). */
export interface WatchdogTimers {
  setInterval (fn: () => void, ms: number): unknown
  clearInterval (handle: unknown): void
}

export interface SdNotifier {
  /** Whether a service manager listens (NOTIFY_SOCKET is set). */
  readonly enabled: boolean
  /** Pet interval in milliseconds (half of WATCHDOG_USEC), or undefined when no watchdog applies to us. */
  readonly watchdogIntervalMs: number | undefined
  /** READY=1 with a human status line. */
  ready: (status: string) => Promise<void>
  /** STOPPING=1 with a human status line. */
  stopping: (status: string) => Promise<void>
  /** Starts petting the watchdog from the event loop; returns a function that stops it. */
  startWatchdog: () => () => void
}

/**
 * Runs `systemd-notify ARGS…` with `env` (which carries NOTIFY_SOCKET). Without `--no-block` it
 * waits until systemd has read the message, so the short-lived child is still alive when systemd
 * looks up which unit sent it.
 */
export function systemdNotifyRunner (env: SdNotifierInit['env']): NotifyRunner {
  return async args => {
    await new Promise<void>((resolve, reject) => {
      execFile('systemd-notify', [...args], { env: { ...env }, timeout: 10_000 }, err => {
        if (err === null) resolve()
        else reject(err)
      })
    })
  }
}

/** The pet interval for WATCHDOG_USEC/WATCHDOG_PID, or undefined when the watchdog is off or meant for another process. */
export function watchdogInterval (env: SdNotifierInit['env'], pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC)
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined
  const owner = env.WATCHDOG_PID
  if (owner !== undefined && owner !== '' && Number(owner) !== pid) return undefined
  return Math.max(1, Math.floor(usec / 2000))
}

export function createSdNotifier (init: SdNotifierInit): SdNotifier {
  const socket = init.env.NOTIFY_SOCKET
  const enabled = socket !== undefined && socket !== ''
  const run = init.run ?? systemdNotifyRunner(init.env)
  const timers = init.timers ?? { setInterval, clearInterval }
  const intervalMs = enabled ? watchdogInterval(init.env, init.pid ?? process.pid) : undefined

  async function send (args: readonly string[], what: string): Promise<void> {
    if (!enabled) return
    try {
      await run(args)
    } catch (err) {
      init.onError?.(err instanceof Error ? err : new Error(String(err)), what)
    }
  }

  return {
    enabled,
    watchdogIntervalMs: intervalMs,
    ready: async status => { await send(['--ready', `--status=${status}`], 'READY=1') },
    stopping: async status => { await send(['STOPPING=1', `STATUS=${status}`], 'STOPPING=1') },
    startWatchdog: () => {
      if (intervalMs === undefined) return () => {}
      // One pet in flight at a time: a slow spawn must not pile up children on a loaded box.
      let inFlight = false
      const pet = (): void => {
        if (inFlight) return
        inFlight = true
        void send(['WATCHDOG=1'], 'WATCHDOG=1').finally(() => { inFlight = false })
      }
      const handle = timers.setInterval(pet, intervalMs)
      // The pets must not keep a stopping daemon alive.
      const unref = (handle as { unref?: () => void } | null)?.unref
      if (typeof unref === 'function') unref.call(handle)
      pet()
      return () => { timers.clearInterval(handle) }
    }
  }
}
