import t from 'tap'
import { createCatalog, humanName, isVideoPath, parseTitleId } from '../../src/rental/index.js'
import { FakeEngine, FakeTorrent } from '../api/fixtures/fake-engine.js'

function setup (): { engine: FakeEngine, single: FakeTorrent, folder: FakeTorrent, docs: FakeTorrent, catalog: ReturnType<typeof createCatalog> } {
  const engine = new FakeEngine()
  const single = engine.put(new FakeTorrent({ name: 'Big.Buck.Bunny.2008.1080p.x264.mp4', files: [{ path: 'Big.Buck.Bunny.2008.1080p.x264.mp4', content: Buffer.alloc(100) }] }))
  const folder = engine.put(new FakeTorrent({
    name: 'Sintel (2010) [1080p]',
    files: [
      { path: 'Sintel (2010) [1080p]/README.txt', content: Buffer.alloc(10) },
      { path: 'Sintel (2010) [1080p]/cover.jpg', content: Buffer.alloc(20) },
      { path: 'Sintel (2010) [1080p]/sintel.mkv', content: Buffer.alloc(300) }
    ]
  }))
  const docs = engine.put(new FakeTorrent({ name: 'Manuals', files: [{ path: 'Manuals/a.pdf', content: Buffer.alloc(50) }, { path: 'Manuals/b.pdf', content: Buffer.alloc(70) }] }))
  engine.put(new FakeTorrent({ name: 'pending', files: [{ path: 'x.mp4', content: Buffer.alloc(1) }], hasMetadata: false }))
  const positions = new Map([[`${folder.infoHash}-2`, { positionSeconds: 42, watchedAt: 777 }]])
  const catalog = createCatalog({ engine, history: { get: id => positions.get(id) } })
  return { engine, single, folder, docs, catalog }
}

t.test('every video file is a title, wherever it sits in the torrent', async t => {
  const { catalog, single, folder } = setup()
  const titles = catalog.list().filter(x => x.playable)
  t.same(titles.map(x => x.id), [`${single.infoHash}-0`, `${folder.infoHash}-2`])
  const sintel = catalog.get(`${folder.infoHash}-2`)
  t.match(sintel, {
    infoHash: folder.infoHash,
    fileIndex: 2,
    name: 'Sintel (2010)',
    lengthBytes: 300,
    state: 'seeding',
    playable: true,
    posterUrl: `/hls/${folder.infoHash}/2/poster.jpg`,
    playlistUrl: `/hls/${folder.infoHash}/2/index.m3u8`,
    infoUrl: `/hls/${folder.infoHash}/2/info`,
    lastPositionSeconds: 42,
    lastWatchedAt: 777
  })
  t.match(catalog.get(`${single.infoHash}-0`), { name: 'Big Buck Bunny (2008)', lastPositionSeconds: 0, lastWatchedAt: null })
})

t.test('a torrent without video is one unplayable title that says why; one without metadata is none', async t => {
  const { catalog, docs } = setup()
  const other = catalog.list().filter(x => !x.playable)
  t.equal(other.length, 1)
  t.match(other[0], { id: `${docs.infoHash}-1`, playable: false, notice: /"b\.pdf" is not a video file/ })
})

t.test('progress comes from the title\'s own file', async t => {
  const { catalog, folder } = setup()
  folder.statsOverride = {
    state: 'downloading',
    files: folder.files().map(f => ({ ...f, verifiedBytes: 0, progress: f.index === 2 ? 0.25 : 1, wanted: true }))
  }
  t.match(catalog.get(`${folder.infoHash}-2`), { progress: 0.25, state: 'downloading' })
})

t.test('unknown and malformed ids are named errors', async t => {
  const { catalog, folder } = setup()
  t.throws(() => catalog.get('nope'), { code: 'REEL_ERR_BAD_REQUEST' })
  t.throws(() => catalog.get(`${'a'.repeat(40)}-0`), { code: 'REEL_ERR_TORRENT_NOT_FOUND' })
  t.throws(() => catalog.get(`${folder.infoHash}-9`), { code: 'REEL_ERR_FILE_NOT_FOUND' })
  t.throws(() => catalog.get(`${folder.infoHash}-0`), { code: 'REEL_ERR_FILE_NOT_FOUND', message: /is not a video/ })
  t.same(parseTitleId(`${folder.infoHash.toUpperCase()}-2`), { infoHash: folder.infoHash, fileIndex: 2 })
})

t.test('names for people', async t => {
  const cases: Array<[string, string]> = [
    ['Big.Buck.Bunny.2008.1080p.x264.mp4', 'Big Buck Bunny (2008)'],
    ['Sintel (2010) [1080p]', 'Sintel (2010)'],
    ['reel-demo.mp4', 'reel-demo'],
    ['folder/My_Holiday_Film.mkv', 'My Holiday Film'],
    ['2001.A.Space.Odyssey.1968.mkv', '2001 A Space Odyssey (1968)']
  ]
  for (const [input, expected] of cases) t.equal(humanName(input), expected, input)
  t.ok(isVideoPath('a/B.MKV'))
  t.notOk(isVideoPath('a/b.srt'))
  t.notOk(isVideoPath('mp4'))
})
