import t from 'tap'
import { readFile } from 'node:fs/promises'
import { DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js'

t.test('the reel executable starts node with the daemon flags', async t => {
  const shebang = (await readFile(new URL('../../src/cli/main.ts', import.meta.url), 'utf8')).split('\n')[0]
  t.equal(shebang, `#!/usr/bin/env -S node ${DAEMON_NODE_FLAGS.join(' ')}`)
})
