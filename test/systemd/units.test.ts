import { spawnSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// The box's units (systemd/ and the image's own in firmware-image/rootfs) checked offline, the way
// CI can: no systemd as PID 1. `systemd-analyze verify --root=DIR` loads them from a scratch root
// holding the host's stock units, our units, and a stub at every path they execute, so it checks
// syntax, dependencies and that each ExecStart= names an executable where the image puts one.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const UNIT_DIRS = [join(REPO, 'systemd'), join(REPO, 'firmware-image/rootfs/usr/lib/systemd/system')]
const UNITS = UNIT_DIRS.flatMap(dir => readdirSync(dir).filter(name => /\.(service|mount|target|timer|socket)$/.test(name)).map(name => join(dir, name)))
const STOCK_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'].find(dir => existsSync(join(dir, 'sysinit.target')))

/** Executables the image installs from this repository, by their path on the box. */
const FROM_REPO: Record<string, string> = {
  '/usr/lib/reel/reel-health': 'systemd/reel-health',
  '/usr/lib/reel/image/grow-data': 'firmware-image/rootfs/usr/lib/reel/image/grow-data',
  '/usr/lib/reel/image/firstboot': 'firmware-image/rootfs/usr/lib/reel/image/firstboot',
  '/usr/lib/reel/image/boot-report': 'firmware-image/rootfs/usr/lib/reel/image/boot-report'
}
/** Executables that come from elsewhere: Reel's CLI (package.json bin, linked by the build) and Debian's cog. */
const FROM_ELSEWHERE = new Set(['/usr/bin/reel', '/usr/bin/cog'])

function analyze (args: string[]): { status: number | null, output: string } {
  const run = spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' } })
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() }
}

/** Every absolute path a unit executes (ExecStart=, ExecStartPre=, …), prefixes like `-` or `+` removed. */
function executables (unitText: string): string[] {
  return [...unitText.matchAll(/^Exec[A-Za-z]*=\s*[-@:+!]*(\S+)/gm)].map(m => m[1] as string)
}

/** A scratch root for `--root`: stock units, ours, and stubs at the paths they execute. */
function scratchRoot (units: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'reel-units-'))
  const unitDir = join(root, 'usr/lib/systemd/system')
  mkdirSync(unitDir, { recursive: true })
  if (STOCK_UNITS !== undefined) cpSync(STOCK_UNITS, unitDir, { recursive: true, dereference: false })
  for (const unit of units) {
    cpSync(unit, join(unitDir, unit.split('/').at(-1) as string))
    for (const path of executables(readFileSync(unit, 'utf8'))) {
      mkdirSync(join(root, dirname(path)), { recursive: true })
      writeFileSync(join(root, path), '#!/bin/sh\nexit 0\n')
      chmodSync(join(root, path), 0o755)
    }
  }
  return root
}

const missing = spawnSync('systemd-analyze', ['--version']).status === 0 ? (STOCK_UNITS === undefined ? 'no stock systemd units on this host' : false) : 'systemd-analyze is not installed'

t.test('every unit executes only what the image installs', async t => {
  t.ok(UNITS.length >= 6, `found ${UNITS.length} units`)
  for (const unit of UNITS) {
    for (const path of executables(readFileSync(unit, 'utf8'))) {
      if (FROM_ELSEWHERE.has(path)) continue
      const source = FROM_REPO[path]
      t.ok(source !== undefined, `${unit.slice(REPO.length)} runs ${path}, which the image installs`)
      if (source !== undefined) t.ok((statSync(join(REPO, source)).mode & 0o111) !== 0, `${source} is executable`)
    }
  }
})

t.test('systemd-analyze verify accepts every unit without a warning', { skip: missing }, async t => {
  const root = scratchRoot(UNITS)
  t.teardown(() => { rmSync(root, { recursive: true, force: true }) })
  const names = UNITS.map(unit => unit.split('/').at(-1) as string)
  const { status, output } = analyze(['verify', '--man=no', `--root=${root}`, ...names.map(name => join(root, 'usr/lib/systemd/system', name))])
  t.equal(output, '', 'no warnings or errors')
  t.equal(status, 0)
})

t.test('the verify check catches broken units (the check is not vacuous)', { skip: missing }, async t => {
  const original = readFileSync(join(REPO, 'systemd/reel.service'), 'utf8')
  const cases = [
    { name: 'a misspelt value only warns, and the warning fails the check', text: original.replace(/^Type=notify$/m, 'Type=notfiy'), expect: /notfiy/ },
    { name: 'an ExecStart= path the image does not have is an error', text: original.replace('ExecStart=/usr/bin/reel', 'ExecStart=/usr/bin/reel-missing'), expect: /reel-missing/, failing: true }
  ]
  for (const c of cases) {
    const dir = mkdtempSync(join(tmpdir(), 'reel-broken-'))
    const unit = join(dir, 'reel.service')
    writeFileSync(unit, c.text)
    const root = scratchRoot([unit])
    rmSync(join(root, 'usr/bin/reel-missing'), { force: true })
    const { status, output } = analyze(['verify', '--man=no', `--root=${root}`, join(root, 'usr/lib/systemd/system/reel.service')])
    t.match(output, c.expect, c.name)
    if (c.failing === true) t.not(status, 0, `${c.name}: non-zero exit`)
    rmSync(root, { recursive: true, force: true })
    rmSync(dir, { recursive: true, force: true })
  }
})

t.test('reel.service has a security exposure of at most 2.5', { skip: missing }, async t => {
  const root = scratchRoot(UNITS)
  t.teardown(() => { rmSync(root, { recursive: true, force: true }) })
  const { status, output } = analyze(['security', '--offline=true', `--root=${root}`, '--threshold=25', join(root, 'usr/lib/systemd/system/reel.service')])
  const score = Number(/Overall exposure level for reel\.service: ([\d.]+)/.exec(output)?.[1])
  t.comment(`systemd-analyze security reel.service: exposure ${score}`)
  t.ok(score <= 2.5, `exposure ${score} <= 2.5`)
  t.equal(status, 0, 'below --threshold=25')
})

t.test('reel.service keeps the documented contract', async t => {
  const unit = readFileSync(join(REPO, 'systemd/reel.service'), 'utf8')
  for (const line of ['Type=notify', 'NotifyAccess=all', 'Restart=on-failure', 'StateDirectory=reel', 'ConfigurationDirectory=reel',
    'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'SystemCallFilter=@system-service', 'User=reel']) {
    t.match(unit, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), line)
  }
  t.match(unit, /^WatchdogSec=\d+s$/m)
  t.match(unit, /^MemoryMax=\d+M$/m)
  t.match(unit, /^CPUQuota=\d+%$/m)
})

t.test('the sysusers file declares the users the units run as', { skip: spawnSync('systemd-sysusers', ['--version']).status === 0 ? false : 'systemd-sysusers missing' }, async t => {
  const root = mkdtempSync(join(tmpdir(), 'reel-sysusers-'))
  mkdirSync(join(root, 'etc'))
  t.teardown(() => { rmSync(root, { recursive: true, force: true }) })
  const run = spawnSync('systemd-sysusers', [`--root=${root}`, join(REPO, 'systemd/reel.sysusers')], { encoding: 'utf8' })
  t.equal(run.status, 0, run.stderr)
  const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8')
  for (const unit of UNITS) {
    const user = /^User=(\S+)$/m.exec(readFileSync(unit, 'utf8'))?.[1]
    if (user !== undefined) t.match(passwd, new RegExp(`^${user}:`, 'm'), `${unit.slice(REPO.length)} runs as ${user}, declared`)
  }
})
