/**
 * SIGINT/SIGTERM as an AbortSignal: the first signal asks the command to stop cleanly, a
 * second one exits at once (for when a clean stop hangs).
 */
import type { Logger } from '../log.js'

export interface ShutdownSignal {
  signal: AbortSignal
  /** Removes the process signal handlers. */
  dispose: () => void
}

export function listenForShutdown (log: Logger): ShutdownSignal {
  const controller = new AbortController()
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      log.warn({ signal: name }, 'second signal: exiting without a clean stop')
      process.exit(130)
    }
    log.info({ signal: name }, 'stopping')
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}

/** Resolves when `signal` aborts. */
export async function untilAborted (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
}
