import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// The box image, end to end: scripts/test-image builds the image with firmware-image/build, boots
// it under qemu (TCG), then boots the fault variant (a daemon that hangs after READY, then crashes).
// Each of its `ok`/`not ok` lines becomes an assertion here; its `test-image:` lines (build time,
// image size, time-to-healthy) are printed as comments. amd64 by default: about 14 minutes on 2
// busy cores. The arm64 build runs every maintainer script under qemu-user (29 minutes here), too
// long for CI: REEL_IMAGE_TEST_ARCH=both (or arm64) adds it. REEL_SKIP_IMAGE_TEST=1 skips the file.

const SCRIPT = fileURLToPath(new URL('../../scripts/test-image', import.meta.url))
const ARCHES = process.env.REEL_IMAGE_TEST_ARCH ?? 'amd64'

function whyNot (): string | false {
  if (process.env.REEL_SKIP_IMAGE_TEST === '1') return 'REEL_SKIP_IMAGE_TEST=1'
  if (process.getuid?.() !== 0) return 'needs root (mmdebstrap --mode=root, chroot)'
  const tools = ['mmdebstrap', 'sfdisk', 'mkfs.ext4', 'mkfs.fat', 'mcopy', 'cpio', 'zstd', 'qemu-img', 'curl', 'python3', 'qemu-system-x86_64']
  if (ARCHES !== 'amd64') tools.push('qemu-system-aarch64')
  const missing = tools.filter(tool => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
  const firmware = ['/usr/share/OVMF/OVMF_CODE_4M.fd', ...(ARCHES === 'amd64' ? [] : ['/usr/share/AAVMF/AAVMF_CODE.fd'])].filter(path => !existsSync(path))
  const all = [...missing, ...firmware]
  return all.length === 0 ? false : `missing ${all.join(', ')} (bash scripts/install-deps.sh installs them)`
}

const skip = whyNot()
// The whole file: one or two image builds and two or three qemu boots.
const MINUTES = ARCHES === 'amd64' ? 30 : 75
t.setTimeout(MINUTES * 60_000)

t.test(`the box image builds and boots (${ARCHES})`, { skip, timeout: MINUTES * 60_000 }, async t => {
  // The fault boot runs on amd64 only (CI time); REEL_IMAGE_ALLOW_NO_UI=1 accepts a build without the player UI.
  const args = [SCRIPT, '--arch', ARCHES, '--fault', ARCHES === 'arm64' ? 'arm64' : 'amd64']
  if (process.env.REEL_IMAGE_ALLOW_NO_UI === '1') args.push('--allow-no-ui')
  const child = spawn('bash', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM') })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-8000) })
  const lines = createInterface({ input: child.stdout })
  let checks = 0
  lines.on('line', line => {
    const check = /^(not ok|ok) - (.*)$/.exec(line)
    if (check !== null) {
      checks++
      if (check[1] === 'ok') t.pass(check[2] as string)
      else t.fail(check[2] as string)
    } else if (line.startsWith('test-image:')) {
      t.comment(line)
    }
  })
  // 'close', not 'exit': every line of its output has been read by then.
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  t.ok(checks > 0, 'scripts/test-image ran its checks')
  t.equal(code, 0, code === 0 ? 'scripts/test-image passed' : `scripts/test-image failed; its stderr ends with:\n${stderr}`)
})
