/**
 * A small writer for the Prometheus text exposition format 0.0.4: one HELP and one TYPE line
 * per family, then its samples. Label values and HELP text are escaped as the format requires.
 */

export type MetricType = 'counter' | 'gauge'

export interface Sample {
  labels?: Readonly<Record<string, string>>
  value: number
}

export interface MetricFamily {
  name: string
  help: string
  type: MetricType
  samples: readonly Sample[]
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4'

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Renders families in order; the result ends with a newline. Throws RangeError on an invalid name. */
export function renderMetrics (families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new RangeError(`invalid metric name ${family.name}`)
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`)
    lines.push(`# TYPE ${family.name} ${family.type}`)
    for (const sample of family.samples) lines.push(`${family.name}${renderLabels(sample.labels)} ${formatValue(sample.value)}`)
  }
  return lines.join('\n') + '\n'
}

function renderLabels (labels: Sample['labels']): string {
  if (labels === undefined) return ''
  const parts = Object.entries(labels).map(([name, value]) => {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new RangeError(`invalid label name ${name}`)
    return `${name}="${escapeLabelValue(value)}"`
  })
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

function formatValue (value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

function escapeHelp (text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function escapeLabelValue (text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}
