import t from 'tap'
import { readFile } from 'node:fs/promises'
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js'

t.test('the reel executable starts node with the daemon flags and environment', async t => {
  const shebang = (await readFile(new URL('../../src/cli/main.ts', import.meta.url), 'utf8')).split('\n')[0]
  const env = Object.entries(DAEMON_ENV).map(([name, value]) => `${name}=${value}`).join(' ')
  t.equal(shebang, `#!/usr/bin/env -S ${env} node ${DAEMON_NODE_FLAGS.join(' ')}`)
})
