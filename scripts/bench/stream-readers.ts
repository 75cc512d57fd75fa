/**
 * The readers of the streaming section, all plain HTTP Range GETs so every
 * client is driven the same way. `readRange` times how long a byte range takes
 * to arrive (and checks it); `playBack` is a player: a playhead that moves at a
 * fixed byte rate once `rebufferBytes` are in (the buffer a player waits for
 * before it starts, as after a stall), a reader that keeps at most `aheadBytes`
 * past it (pausing the response, so the server feels TCP backpressure), and a
 * count of stalls (the playhead caught up with the data).
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { MiB } from './context.js'

export type ExpectedBytes = (offset: number, length: number) => Buffer

export interface RangeReadOptions {
  start: number
  /** Inclusive last byte asked for; undefined asks `bytes=start-` (to the end, as players do). */
  end?: number
  /** Resolve once this many bytes have arrived. */
  want: number
  expected: ExpectedBytes
  timeoutMs: number
}

/** GETs a range; resolves with `performance.now()` when `want` bytes have arrived, checked, then drops the connection. */
export function readRange(url: string, o: RangeReadOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let got = 0
    let settled = false
    const finish = (err: Error | undefined, at = 0): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.destroy()
      if (err !== undefined) reject(err)
      else resolve(at)
    }
    const req = get(url, o.start, o.end, res => {
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        got += chunk.length
        if (got < o.want) return
        const at = performance.now()
        const body = Buffer.concat(chunks).subarray(0, o.want)
        finish(body.equals(o.expected(o.start, o.want)) ? undefined : new Error(`wrong bytes in ${o.start}+${o.want}`), at)
      })
      res.on('end', () => finish(new Error(`response ended after ${got} of ${o.want} bytes`)))
    }, err => finish(err))
    const timer = setTimeout(() => finish(new Error(`${got} of ${o.want} bytes at ${o.start} after ${o.timeoutMs} ms`)), o.timeoutMs)
  })
}

export interface PlaybackOptions {
  fileLength: number
  /** Playhead speed, bytes/s. */
  rate: number
  /** The reader keeps at most this many bytes past the playhead. */
  aheadBytes: number
  /** Play this long (or to the end of the file). */
  durationSec: number
  /** Playback starts, and a stall ends, once this much is buffered past the playhead (or the rest of the play). */
  rebufferBytes: number
  /** Give up when no first byte arrives in this long. */
  firstByteTimeoutMs: number
  /** Stop early when playing takes this much longer than `durationSec` (stalled time). */
  maxStalledSec: number
  expected: ExpectedBytes
}

export interface PlaybackResult {
  /** ms (performance.now()) when the first 2 MiB had arrived. */
  twoMiBAt: number | undefined
  stalls: number
  stalledSec: number
  /** Seconds of content played (the playhead divided by the rate). */
  playedSec: number
  /** Whether the playhead reached its target before `maxStalledSec` ran out. */
  complete: boolean
  receivedBytes: number
}

const TICK_MS = 20
const CHECK_BYTES = 64 * 1024

/** Plays `url` from byte 0 with one long `bytes=0-` GET. */
export function playBack(url: string, o: PlaybackOptions): Promise<PlaybackResult> {
  return new Promise((resolve, reject) => {
    const target = Math.min(o.fileLength, Math.round(o.durationSec * o.rate))
    const head: Buffer[] = []
    let received = 0
    let playhead = 0
    let stalls = 0
    let stalledMs = 0
    let stalled = false
    let paused = false
    let ended = false
    let firstAt: number | undefined
    let playingAt: number | undefined
    let twoMiBAt: number | undefined
    let last = 0
    let res: IncomingMessage | undefined
    let settled = false
    const done = (err?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(firstByteTimer)
      clearInterval(ticker)
      req.destroy()
      if (err !== undefined) return reject(err)
      resolve({ twoMiBAt, stalls, stalledSec: stalledMs / 1000, playedSec: playhead / o.rate, complete: playhead >= target, receivedBytes: received })
    }
    const tick = (): void => {
      const now = performance.now()
      const dt = now - last
      last = now
      if (stalled) {
        stalledMs += dt
        if (received - playhead >= Math.min(o.rebufferBytes, target - playhead)) stalled = false
      } else {
        playhead = Math.min(target, playhead + (o.rate * dt) / 1000)
        if (playhead > received) {
          // ran dry part-way through this tick
          stalledMs += ((playhead - received) / o.rate) * 1000
          playhead = received
          stalled = true
          stalls++
        }
      }
      if (playhead >= target) return done()
      if (stalled && ended) return done(new Error(`the response ended at byte ${received}`))
      if (firstAt !== undefined && stalledMs > o.maxStalledSec * 1000) return done()
      if (paused && received - playhead < o.aheadBytes) {
        paused = false
        res?.resume()
      }
    }
    const ticker = setInterval(() => playingAt !== undefined && tick(), TICK_MS)
    const req = get(url, 0, undefined, response => {
      res = response
      response.on('data', (chunk: Buffer) => {
        if (firstAt === undefined) firstAt = performance.now()
        if (received < CHECK_BYTES) {
          head.push(chunk)
          const have = Buffer.concat(head)
          if (have.length >= CHECK_BYTES && !have.subarray(0, CHECK_BYTES).equals(o.expected(0, CHECK_BYTES))) {
            done(new Error('wrong bytes at the start of the file'))
          }
        }
        received += chunk.length
        if (playingAt === undefined && received >= Math.min(o.rebufferBytes, target)) playingAt = last = performance.now()
        if (twoMiBAt === undefined && received >= 2 * MiB) twoMiBAt = performance.now()
        if (!paused && received - playhead >= o.aheadBytes) {
          paused = true
          response.pause()
        }
      })
      response.on('end', () => { ended = true })
    }, err => done(err))
    const firstByteTimer = setTimeout(() => {
      if (firstAt === undefined) done(new Error(`no byte within ${o.firstByteTimeoutMs} ms`))
    }, o.firstByteTimeoutMs)
  })
}

function get(url: string, start: number, end: number | undefined, onResponse: (res: IncomingMessage) => void,
  onError: (err: Error) => void): ClientRequest {
  const req = request(url, { headers: { range: `bytes=${start}-${end ?? ''}` } }, res => {
    if (res.statusCode !== 206 && res.statusCode !== 200) {
      let body = ''
      res.setEncoding('utf8').on('data', (s: string) => { body = (body + s).slice(0, 300) })
      res.on('end', () => onError(new Error(`GET ${new URL(url).pathname} answered ${res.statusCode} ${body.replace(/\s+/g, ' ')}`)))
      return
    }
    if (res.statusCode === 200 && start !== 0) {
      res.resume()
      onError(new Error('the server ignored the Range header'))
      return
    }
    onResponse(res)
  })
  req.on('error', onError)
  req.end()
  return req
}
