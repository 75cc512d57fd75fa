/** The process logger: pino JSON lines on stdout (journald on the box). Components take a child. */
import { pino, type Logger } from 'pino'

export type { Logger }

export interface LoggerInit {
  level?: string
  /** Where lines go; stdout when absent. */
  destination?: NodeJS.WritableStream
}

export function createLogger (init: LoggerInit = {}): Logger {
  const level = init.level ?? process.env.REEL_LOG_LEVEL ?? 'info'
  return init.destination === undefined
    ? pino({ level, base: { app: 'reel' } })
    : pino({ level, base: { app: 'reel' } }, init.destination)
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
