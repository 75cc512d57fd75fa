import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createSdNotifier, systemdNotifyRunner, watchdogInterval, type WatchdogTimers } from '../../src/cli/sd-notify.js'

/** A runner that records what it was asked to send; `gate` holds every send until released. */
function recordingRunner (): { calls: string[][], run: (args: readonly string[]) => Promise<void>, release: () => void, hold: () => void } {
  const calls: string[][] = []
  let gate: Promise<void> | undefined
  let open: (() => void) | undefined
  return {
    calls,
    run: async args => {
      calls.push([...args])
      if (gate !== undefined) await gate
    },
    hold: () => { gate = new Promise(resolve => { open = resolve }) },
    release: () => { open?.(); gate = undefined }
  }
}

/** Timers whose interval callback the test calls by hand. */
function manualTimers (): WatchdogTimers & { tick: () => void, ms: number | undefined, cleared: boolean } {
  let fn: (() => void) | undefined
  const timers = {
    ms: undefined as number | undefined,
    cleared: false,
    setInterval (callback: () => void, ms: number): unknown { fn = callback; timers.ms = ms; return 'handle' },
    clearInterval (handle: unknown): void { if (handle === 'handle') timers.cleared = true },
    tick: () => { fn?.() }
  }
  return timers
}

const SOCKET = { NOTIFY_SOCKET: '/run/systemd/notify' }

t.test('without NOTIFY_SOCKET nothing is sent and no timer starts', async t => {
  const runner = recordingRunner()
  const timers = manualTimers()
  const notifier = createSdNotifier({ env: { WATCHDOG_USEC: '30000000' }, run: runner.run, timers })
  t.equal(notifier.enabled, false)
  t.equal(notifier.watchdogIntervalMs, undefined)
  await notifier.ready('listening')
  await notifier.stopping('stopping')
  notifier.startWatchdog()()
  t.same(runner.calls, [])
  t.equal(timers.ms, undefined)
})

t.test('ready and stopping send READY=1 and STOPPING=1 with a status line', async t => {
  const runner = recordingRunner()
  const notifier = createSdNotifier({ env: SOCKET, run: runner.run })
  await notifier.ready('listening on http://127.0.0.1:8080')
  await notifier.stopping('stopping')
  t.same(runner.calls, [['--ready', '--status=listening on http://127.0.0.1:8080'], ['STOPPING=1', 'STATUS=stopping']])
})

t.test('the watchdog is petted at half of WATCHDOG_USEC, once at start, and stops when asked', async t => {
  const runner = recordingRunner()
  const timers = manualTimers()
  const notifier = createSdNotifier({ env: { ...SOCKET, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, pid: 42, run: runner.run, timers })
  t.equal(notifier.watchdogIntervalMs, 15_000)
  const stop = notifier.startWatchdog()
  t.equal(timers.ms, 15_000)
  await new Promise(resolve => setImmediate(resolve))
  timers.tick()
  t.same(runner.calls, [['WATCHDOG=1'], ['WATCHDOG=1']])
  stop()
  t.equal(timers.cleared, true)
})

t.test('a pet still in flight is not doubled by the next tick', async t => {
  const runner = recordingRunner()
  const timers = manualTimers()
  runner.hold()
  const notifier = createSdNotifier({ env: { ...SOCKET, WATCHDOG_USEC: '2000000' }, run: runner.run, timers })
  notifier.startWatchdog()
  timers.tick()
  timers.tick()
  t.equal(runner.calls.length, 1)
  runner.release()
  await new Promise(resolve => setImmediate(resolve))
  timers.tick()
  t.equal(runner.calls.length, 2)
})

t.test('the watchdog is off when WATCHDOG_PID names another process or WATCHDOG_USEC is unusable', async t => {
  t.equal(watchdogInterval({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 8), undefined)
  t.equal(watchdogInterval({ WATCHDOG_USEC: '0' }, 8), undefined)
  t.equal(watchdogInterval({ WATCHDOG_USEC: 'soon' }, 8), undefined)
  t.equal(watchdogInterval({}, 8), undefined)
  t.equal(watchdogInterval({ WATCHDOG_USEC: '20000000' }, 8), 10_000)
})

t.test('a failed send is reported and does not throw', async t => {
  const errors: string[] = []
  const notifier = createSdNotifier({
    env: SOCKET,
    run: async () => { throw new Error('systemd-notify: not found') },
    onError: (err, message) => { errors.push(`${message}: ${err.message}`) }
  })
  await notifier.ready('listening')
  t.same(errors, ['READY=1: systemd-notify: not found'])
})

// The real systemd-notify talking to a datagram socket that plays systemd: it prints each
// message and closes the barrier fds systemd-notify waits on, as the service manager does.
const RECEIVER = `
import os, socket, sys, array
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("bound", flush=True)
while True:
    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
            for fd in fds: os.close(fd)
    text = data.decode()
    if text.strip() != "BARRIER=1": print(text.replace("\\n", "|"), flush=True)
`

const missingTools = ['systemd-notify', 'python3'].filter(tool => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)

t.test('systemd-notify delivers the messages to NOTIFY_SOCKET', { skip: missingTools.length > 0 ? `needs ${missingTools.join(', ')}` : false }, async t => {
  const dir = await mkdtemp(join(tmpdir(), 'reel-notify-'))
  const path = join(dir, 'notify')
  const receiver = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(async () => {
    receiver.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
  const lines: string[] = []
  let waiters: Array<() => void> = []
  receiver.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter(line => line !== ''))
    for (const wake of waiters) wake()
    waiters = []
  })
  const until = async (seen: (lines: string[]) => boolean): Promise<void> => {
    while (!seen(lines)) await new Promise<void>(resolve => waiters.push(resolve))
  }
  await until(l => l.includes('bound'))
  const env = { NOTIFY_SOCKET: path, WATCHDOG_USEC: '100000' }
  const errors: Error[] = []
  const notifier = createSdNotifier({ env, run: systemdNotifyRunner(env), onError: err => { errors.push(err) } })
  await notifier.ready('listening on http://127.0.0.1:8080')
  const stop = notifier.startWatchdog()
  await until(l => l.filter(line => line === 'WATCHDOG=1').length >= 2)
  stop()
  await notifier.stopping('stopping')
  await until(l => l.some(line => line.includes('STOPPING=1')))
  t.same(errors, [])
  t.match(lines[1], /READY=1/)
  t.match(lines[1], /STATUS=listening on http:\/\/127\.0\.0\.1:8080/)
  t.equal(lines[2], 'WATCHDOG=1')
  t.match(lines.at(-1), /STOPPING=1\|STATUS=stopping/)
})
