/**
 * How far ahead of its read position a stream claims pieces, in seconds of playback and in
 * bytes. The window grows while the swarm outpaces the stream (a fast swarm fills the buffer
 * for free) and shrinks when the box runs short of memory (every piece in flight is a buffer)
 * or its data disk fills up (a claimed piece is a piece that must be written). Pure: the
 * caller measures the pressure.
 */

/** Readahead in seconds of playback by how the swarm compares with the stream's rate. */
export const HORIZON_SECONDS = { slow: 20, normal: 40, fast: 120 } as const
/** The shortest window pressure can shrink it to: enough to ride out one slow piece. */
export const MIN_HORIZON_SECONDS = 8
/** Never claim less than this, whatever the rate (a stream at its start has no rate yet). */
export const MIN_READAHEAD_BYTES = 4 * 1024 * 1024
/** Memory pressure (RSS / budget) at which the window starts to shrink; at 1 it is minimal. */
export const MEMORY_PRESSURE_ONSET = 0.75
/** Disk space kept free for the pieces already claimed and the journal. */
export const DISK_RESERVE_BYTES = 64 * 1024 * 1024

/** What the box can spare right now, measured by ResourcePressure. */
export interface ReadaheadPressure {
  /** Resident memory as a fraction of the daemon's memory budget (may exceed 1). */
  memory: number
  /** Bytes the data dir's filesystem can still take; Infinity when unknown. */
  diskFreeBytes: number
}

export const NO_PRESSURE: ReadaheadPressure = { memory: 0, diskFreeBytes: Number.POSITIVE_INFINITY }

/** Seconds of playback to claim ahead, for a stream at `streamRate` and a swarm at `swarmRate` (bytes/s). */
export function readaheadSeconds (streamRate: number, swarmRate: number, pressure: ReadaheadPressure = NO_PRESSURE): number {
  const base = swarmRate >= 2 * streamRate
    ? HORIZON_SECONDS.fast
    : swarmRate >= streamRate ? HORIZON_SECONDS.normal : HORIZON_SECONDS.slow
  if (pressure.memory <= MEMORY_PRESSURE_ONSET) return base
  const room = Math.max(0, (1 - pressure.memory) / (1 - MEMORY_PRESSURE_ONSET))
  return MIN_HORIZON_SECONDS + (base - MIN_HORIZON_SECONDS) * room
}

/** Bytes to claim ahead: `seconds` of the stream, at least MIN_READAHEAD_BYTES, at most what the disk can take. */
export function readaheadBytes (seconds: number, streamRate: number, pressure: ReadaheadPressure = NO_PRESSURE): number {
  const wanted = Math.max(MIN_READAHEAD_BYTES, streamRate * seconds)
  const diskRoom = Math.max(MIN_READAHEAD_BYTES, pressure.diskFreeBytes - DISK_RESERVE_BYTES)
  return Math.min(wanted, diskRoom)
}
