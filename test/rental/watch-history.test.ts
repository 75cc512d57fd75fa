import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { createWatchHistory, PlayerPresence, WATCH_HISTORY_FILE } from '../../src/rental/index.js'
import { silentLogger, createLogger } from '../../src/log.js'
import { Writable } from 'node:stream'

function capturingLogger (): { log: ReturnType<typeof createLogger>, lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = []
  const destination = new Writable({ write (chunk, _enc, done) { chunks.push(String(chunk)); done() } })
  return { log: createLogger({ level: 'info', destination }), lines: () => chunks.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, unknown>) }
}

t.test('a saved position survives a restart, stamped by the injected clock', async t => {
  const dir = t.testdir()
  let now = 1_000
  const history = createWatchHistory({ dataDir: dir, log: silentLogger(), now: () => now })
  await history.start()
  t.equal(history.get('a-0'), undefined)
  t.same(await history.setPosition('a-0', 61.5), { positionSeconds: 61.5, watchedAt: 1_000 })
  now = 2_000
  await history.setPosition('b-1', 10)
  await history.stop()

  const again = createWatchHistory({ dataDir: dir, log: silentLogger() })
  await again.start()
  t.same(again.get('a-0'), { positionSeconds: 61.5, watchedAt: 1_000 })
  t.same(again.entries().map(([id]) => id), ['b-1', 'a-0'], 'most recently watched first')
})

t.test('writes go through a temp file and leave none behind', async t => {
  const dir = t.testdir()
  const history = createWatchHistory({ dataDir: dir, log: silentLogger(), now: () => 5 })
  await history.start()
  await Promise.all([history.setPosition('x-0', 1), history.setPosition('x-0', 2), history.setPosition('y-0', 3)])
  await history.stop()
  t.same(await readdir(dir), [WATCH_HISTORY_FILE])
  const file = JSON.parse(await readFile(join(dir, WATCH_HISTORY_FILE), 'utf8'))
  t.same(file, { version: 1, titles: { 'x-0': { positionSeconds: 2, watchedAt: 5 }, 'y-0': { positionSeconds: 3, watchedAt: 5 } } }, 'the last of concurrent saves wins')
})

t.test('a corrupt history file is logged and replaced by an empty history', async t => {
  for (const content of ['{"version":1,"titles":', 'null', '{"version":7,"titles":{}}']) {
    const dir = t.testdir({ [WATCH_HISTORY_FILE]: content })
    const { log, lines } = capturingLogger()
    const history = createWatchHistory({ dataDir: dir, log, now: () => 9 })
    await history.start()
    t.same(history.entries(), [], `${content} gives an empty history`)
    t.ok(lines().some(l => typeof l.msg === 'string' && l.msg.startsWith('the watch history file is')), 'and a log line')
    await history.setPosition('a-0', 4)
    t.same(JSON.parse(await readFile(join(dir, WATCH_HISTORY_FILE), 'utf8')).titles, { 'a-0': { positionSeconds: 4, watchedAt: 9 } }, 'the next save replaces it')
  }
})

t.test('malformed entries are dropped, good ones kept', async t => {
  const dir = t.testdir()
  await writeFile(join(dir, WATCH_HISTORY_FILE), JSON.stringify({
    version: 1, titles: { good: { positionSeconds: 3, watchedAt: 1 }, bad: { positionSeconds: -1, watchedAt: 1 }, worse: 'x' }
  }))
  const history = createWatchHistory({ dataDir: dir, log: silentLogger() })
  await history.start()
  t.same(history.entries().map(([id]) => id), ['good'])
})

t.test('forget removes a title', async t => {
  const dir = t.testdir()
  const history = createWatchHistory({ dataDir: dir, log: silentLogger(), now: () => 1 })
  await history.start()
  await history.setPosition('a-0', 3)
  await history.forget('a-0')
  t.equal(history.get('a-0'), undefined)
  t.same(JSON.parse(await readFile(join(dir, WATCH_HISTORY_FILE), 'utf8')).titles, {})
})

t.test('player presence is the last report until it goes stale', async t => {
  let now = 0
  const presence = new PlayerPresence({ now: () => now, staleAfterMs: 1000 })
  t.same(presence.current(), { playing: false, visible: false, reportedAt: 0 })
  now = 5000
  presence.report({ playing: true, visible: true })
  now = 5900
  t.same(presence.current(), { playing: true, visible: true, reportedAt: 5000 })
  now = 6001
  t.same(presence.current(), { playing: false, visible: false, reportedAt: 5000 }, 'a UI that stopped reporting holds nothing busy')
})
