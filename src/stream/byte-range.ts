/**
 * HTTP Range decisions for one representation of known length (RFC 9110 §14). A header we
 * cannot parse, or one in a unit other than bytes, is ignored (full 200), as the RFC requires;
 * a syntactically valid header whose ranges all miss the file is unsatisfiable (416). With
 * several ranges only the first satisfiable one is served, as a single-part 206.
 */

export type RangeDecision =
  /** No Range header, or one that must be ignored: send the whole file with 200. */
  | { type: 'full' }
  /** Send bytes [start, end] (end inclusive) with 206. */
  | { type: 'partial', start: number, end: number }
  /** Every range lies outside the file: 416 with `Content-Range: bytes *\/length`. */
  | { type: 'unsatisfiable' }

const MAX_RANGES = 100
const INT_RANGE = /^(\d+)-(\d*)$/
const SUFFIX_RANGE = /^-(\d+)$/

/** Decides what to send for a Range header value against a file of `length` bytes. */
export function decideRange (header: string | undefined, length: number): RangeDecision {
  if (header === undefined) return { type: 'full' }
  const eq = header.indexOf('=')
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { type: 'full' }
  const specs = header.slice(eq + 1).split(',').map(s => s.trim()).filter(s => s !== '')
  if (specs.length === 0 || specs.length > MAX_RANGES) return { type: 'full' }

  let first: { start: number, end: number } | undefined
  for (const spec of specs) {
    const range = parseSpec(spec, length)
    if (range === 'invalid') return { type: 'full' }
    if (first === undefined && range !== 'miss') first = range
  }
  return first === undefined ? { type: 'unsatisfiable' } : { type: 'partial', ...first }
}

/** `Content-Range` value for a partial response. */
export function contentRange (start: number, end: number, length: number): string {
  return `bytes ${start}-${end}/${length}`
}

/** `Content-Range` value for a 416 response. */
export function unsatisfiedRange (length: number): string {
  return `bytes */${length}`
}

function parseSpec (spec: string, length: number): { start: number, end: number } | 'miss' | 'invalid' {
  const int = INT_RANGE.exec(spec)
  if (int !== null) {
    const start = Number(int[1])
    const last = int[2] === '' || int[2] === undefined ? Infinity : Number(int[2])
    if (last < start) return 'invalid'
    if (start >= length) return 'miss'
    return { start, end: Math.min(last, length - 1) }
  }
  const suffix = SUFFIX_RANGE.exec(spec)
  if (suffix !== null) {
    const n = Number(suffix[1])
    if (n === 0 || length === 0) return 'miss'
    return { start: Math.max(0, length - n), end: length - 1 }
  }
  return 'invalid'
}
