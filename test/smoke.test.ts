import t from 'tap'
import { BadTorrentError } from '../src/errors.js'
t.test('errors carry a stable code', async t => {
  t.equal(new BadTorrentError('x').code, 'REEL_ERR_BAD_TORRENT')
})
