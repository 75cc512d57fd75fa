/**
 * Plain-text tables for bench sections. A section hands back a `SectionReport`
 * (tables plus target checks) and main prints them in order, so new sections
 * (streaming, HLS) only add a module that returns one.
 */

export interface Table {
  title: string
  columns: string[]
  rows: string[][]
  notes?: string[]
}

export interface TargetCheck {
  name: string
  /** undefined when it could not be evaluated (a client failed). */
  pass: boolean | undefined
  detail: string
}

export interface SectionReport {
  name: string
  tables: Table[]
  checks: TargetCheck[]
  /** Raw numbers for --json. */
  data: unknown
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

export function fmt(value: number | undefined, digits = 2, unit = ''): string {
  if (value === undefined || !Number.isFinite(value)) return '—'
  return value.toFixed(digits) + unit
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b
}

export function renderTable(table: Table): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map(r => (r[i] ?? '').length)))
  // columns of numbers right-aligned, others left-aligned
  const numeric = /^[-+—\d.,×/ %]*$/
  const right = table.columns.map((_, i) => table.rows.every(r => numeric.test(r[i] ?? '')))
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ') + ' |'
  const out = [`## ${table.title}`, line(table.columns), '|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|']
  for (const r of table.rows) out.push(line(table.columns.map((_, i) => r[i] ?? '')))
  for (const n of table.notes ?? []) out.push(`  ${n}`)
  return out.join('\n')
}

export function renderChecks(checks: readonly TargetCheck[]): string {
  if (checks.length === 0) return ''
  return ['## Targets', ...checks.map(c => {
    const mark = c.pass === undefined ? 'N/A ' : c.pass ? 'PASS' : 'FAIL'
    return `  [${mark}] ${c.name}: ${c.detail}`
  })].join('\n')
}

export function renderSection(section: SectionReport): string {
  return [`# ${section.name}`, ...section.tables.map(renderTable), renderChecks(section.checks)]
    .filter(s => s !== '').join('\n\n')
}
