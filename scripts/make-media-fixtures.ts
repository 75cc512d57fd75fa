/**
 * Makes the HLS media fixtures (see src/cli/demo-media.ts) into a folder, cached by name:
 *   node dist/scripts/make-media-fixtures.js [DIR] [--seconds N] [--size WxH]
 * Default DIR test/fixtures/media, 20 s at 320x180. Prints one JSON line per file.
 */
import { parseArgs } from 'node:util'
import { ensureMediaFixtures } from '../src/cli/demo-media.js'
import { createLogger } from '../src/log.js'

const { values, positionals } = parseArgs({
  options: { seconds: { type: 'string' }, size: { type: 'string' } },
  allowPositionals: true
})
const [width, height] = (values.size ?? '320x180').split('x').map(Number)
const dir = positionals[0] ?? 'test/fixtures/media'
const log = createLogger({ level: 'warn' })
const made = await ensureMediaFixtures({ dir, log, seconds: Number(values.seconds ?? 20), width, height })
for (const [kind, clip] of Object.entries(made)) process.stdout.write(JSON.stringify({ kind, ...clip }) + '\n')
