import t from 'tap'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BadRequestError } from '../../src/errors.js'
import { silentLogger } from '../../src/log.js'
import { DEFAULT_SETTINGS, defaultSettings, mergeSettings, SettingsStore } from '../../src/seeding/index.js'
import { tempDir } from '../helpers/fixtures.js'

const MiB = 1024 * 1024

t.test('the defaults are the issue\'s: 2 MiB/s idle, 0 watching, 100 GiB a month, 2 min quiet, not paused', async t => {
  t.same(defaultSettings(), {
    idleRate: 2 * MiB, watchingRate: 0, windows: [], monthlyCap: 100 * 1024 * MiB, paused: false, quietPeriodSeconds: 120, diskCap: { percent: 90 }
  })
  t.not(defaultSettings(), defaultSettings(), 'each call is a fresh copy')
})

t.test('a partial object changes only its fields', async t => {
  const next = mergeSettings(defaultSettings(), { idleRate: MiB, windows: [{ start: '01:00', end: '07:00', rate: null }], diskCap: { bytes: 5e9 } })
  t.same(next, { ...DEFAULT_SETTINGS, idleRate: MiB, windows: [{ start: '01:00', end: '07:00', rate: null }], diskCap: { bytes: 5e9 } })
})

const refusals: Array<[string, unknown, RegExp]> = [
  ['a non-object', [1], /settings must be a JSON object/],
  ['an unknown key', { uploadRate: 1 }, /unknown settings key "uploadRate"/],
  ['a negative rate', { idleRate: -1 }, /"idleRate" must be a whole number of bytes per second .* got -1/],
  ['a fractional rate', { watchingRate: 1.5 }, /"watchingRate" must be a whole number/],
  ['a rate as text', { idleRate: '2MiB' }, /"idleRate" .* got "2MiB"/],
  ['a cap below zero', { monthlyCap: -5 }, /"monthlyCap" must be a whole number of bytes per month, or null/],
  ['paused as a string', { paused: 'yes' }, /"paused" must be true or false; got "yes"/],
  ['a quiet period of 0', { quietPeriodSeconds: 0 }, /"quietPeriodSeconds" must be a whole number of seconds from 1 to 86400/],
  ['windows that are not a list', { windows: {} }, /"windows" must be a list/],
  ['a window at 24:00', { windows: [{ start: '24:00', end: '07:00', rate: 0 }] }, /"windows\[0\]\.start" must be a local time "HH:MM"/],
  ['a window without end', { windows: [{ start: '01:00', rate: 0 }] }, /"windows\[0\]\.end" must be a local time/],
  ['an empty window', { windows: [{ start: '01:00', end: '01:00', rate: 0 }] }, /"windows\[0\]" starts and ends at 01:00/],
  ['a window with an extra key', { windows: [{ start: '01:00', end: '02:00', rate: 0, days: [1] }] }, /unknown key "windows\[0\]\.days"/],
  ['a disk cap of 0 %', { diskCap: { percent: 0 } }, /"diskCap" must be \{"bytes": N\} or \{"percent": 1\.\.100\}/],
  ['a disk cap with both forms', { diskCap: { percent: 50, bytes: 10 } }, /"diskCap" must be/],
  ['nine windows', { windows: Array.from({ length: 9 }, () => ({ start: '01:00', end: '02:00', rate: 0 })) }, /at most 8/]
]
for (const [what, patch, reason] of refusals) {
  t.test(`refuses ${what} with a BadRequestError naming the field`, async t => {
    let caught: unknown
    try { mergeSettings(defaultSettings(), patch) } catch (err) { caught = err }
    t.type(caught, BadRequestError)
    t.match((caught as Error | undefined)?.message, reason)
  })
}

t.test('the store starts from defaults without a file and keeps what it saved across instances', async t => {
  const dir = await tempDir(t)
  const store = new SettingsStore(dir, silentLogger())
  t.same(await store.load(), defaultSettings())
  await store.update({ idleRate: MiB, paused: true })
  t.same(JSON.parse(await readFile(join(dir, 'seeding', 'settings.json'), 'utf8')), { ...DEFAULT_SETTINGS, idleRate: MiB, paused: true })
  t.same(await readdir(join(dir, 'seeding')), ['settings.json'], 'no temp file is left behind')
  const again = new SettingsStore(dir, silentLogger())
  t.same(await again.load(), { ...DEFAULT_SETTINGS, idleRate: MiB, paused: true })
})

t.test('a refused update changes neither memory nor disk', async t => {
  const dir = await tempDir(t)
  const store = new SettingsStore(dir, silentLogger())
  await store.load()
  await store.update({ idleRate: MiB })
  await t.rejects(store.update({ idleRate: -1 }), BadRequestError)
  t.equal(store.get().idleRate, MiB)
  t.equal(JSON.parse(await readFile(store.path, 'utf8')).idleRate, MiB)
})

t.test('a corrupt or invalid file means defaults and an error line in the log', async t => {
  for (const content of ['{"idleRate": 10', '{"idleRate": -4}', '[]']) {
    const dir = await tempDir(t)
    await mkdir(join(dir, 'seeding'), { recursive: true })
    await writeFile(join(dir, 'seeding', 'settings.json'), content)
    const lines: string[] = []
    const log = silentLogger()
    log.error = ((obj: unknown, msg?: string) => { lines.push(msg ?? String(obj)) }) as typeof log.error
    const store = new SettingsStore(dir, log)
    t.same(await store.load(), defaultSettings(), `defaults for ${content}`)
    t.match(lines, [/sharing settings unreadable/])
  }
})
