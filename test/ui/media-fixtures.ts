/**
 * The player test's titles, one torrent per case of issue 4: MP4 with its moov at the front and
 * at the end, MKV with AAC, a folder torrent whose film (MKV, H.264 + AC-3) is file 1 after a
 * text file, a corrupt video, and a torrent holding no video. The media come from the shared
 * generators (src/cli/demo-media.ts), made once per machine and cached by name; each torrent's
 * save dir gets its own copy, so a seeder never touches the cache.
 */
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ensureMediaFixture, type MediaFixtureKind, type MediaFixtureShape } from '../../src/cli/demo-media.js'
import { silentLogger } from '../../src/log.js'
import { importUntyped, type CreateTorrentInput, type CreateTorrentModule, type ParseTorrentModule } from '../helpers/untyped.js'

/**
 * Long enough for the remote journey (past 5 s, then +10 s and a second more of playback, well
 * before the end); small enough to make and seed quickly on CI.
 */
export const FIXTURE_SHAPE = { seconds: 30, width: 320, height: 180 } as const satisfies MediaFixtureShape

/** Shared across runs and test files: the names carry the shape, so other shapes never collide. */
export const FIXTURE_CACHE_DIR = join(tmpdir(), 'reel-ui-fixtures')

export interface MediaTorrent {
  /** Torrent name (file name of a single-file torrent, folder otherwise). */
  name: string
  infoHash: string
  torrentFile: Buffer
  torrentPath: string
  /** The save dir a seeder is given (holds `name`). */
  saveDir: string
  /** Index of the file the test plays or expects a problem for. */
  fileIndex: number
}

/** A file of a torrent: its path inside the torrent and where its bytes come from. */
type TorrentEntry = { path: string } & ({ kind: MediaFixtureKind } | { text: string })

interface TorrentSpec {
  name: string
  /** One entry whose path is `name` makes a single-file torrent; more make the folder `name`. */
  files: TorrentEntry[]
  /** The path of the file the test is about. */
  main: string
}

export type PlayerFixtureRole = 'moovAtFront' | 'moovAtEnd' | 'mkvAac' | 'mkvAc3' | 'corrupt' | 'notVideo'
export type PlayerFixtures = Record<PlayerFixtureRole, MediaTorrent>

const SPECS: Record<PlayerFixtureRole, TorrentSpec> = {
  moovAtFront: { name: 'Moov.At.Front.2023.mp4', files: [{ path: 'Moov.At.Front.2023.mp4', kind: 'mp4-moov-front' }], main: 'Moov.At.Front.2023.mp4' },
  moovAtEnd: { name: 'Moov.At.End.2024.mp4', files: [{ path: 'Moov.At.End.2024.mp4', kind: 'mp4-moov-end' }], main: 'Moov.At.End.2024.mp4' },
  mkvAac: { name: 'Third.Film.2022.mkv', files: [{ path: 'Third.Film.2022.mkv', kind: 'mkv-aac' }], main: 'Third.Film.2022.mkv' },
  mkvAc3: {
    name: 'Second Film (2025)',
    files: [{ path: 'notes.txt', text: 'Made for the player test.\n' }, { path: 'second.mkv', kind: 'mkv-ac3' }],
    main: 'second.mkv'
  },
  corrupt: { name: 'Broken.Clip.mp4', files: [{ path: 'Broken.Clip.mp4', kind: 'corrupt-video' }], main: 'Broken.Clip.mp4' },
  notVideo: {
    name: 'Manuals',
    files: [{ path: 'manual.txt', kind: 'not-video' }, { path: 'readme.txt', text: 'Not a film.\n' }],
    main: 'manual.txt'
  }
}

/** Makes (or finds cached) every fixture's media, then writes one folder and .torrent per role under `base`. */
export async function makePlayerFixtures (base: string, announce: string[]): Promise<PlayerFixtures> {
  const out: Partial<PlayerFixtures> = {}
  // One at a time: ffmpeg already uses both cores, and a cached fixture costs a stat.
  for (const [role, spec] of Object.entries(SPECS) as Array<[PlayerFixtureRole, TorrentSpec]>) {
    const saveDir = join(base, role, 'data')
    const single = spec.files.length === 1
    for (const file of spec.files) {
      const dest = single ? join(saveDir, spec.name) : join(saveDir, spec.name, ...file.path.split('/'))
      await mkdir(dirname(dest), { recursive: true })
      if ('text' in file) await writeFile(dest, file.text)
      else await copyFile((await ensureMediaFixture({ dir: FIXTURE_CACHE_DIR, kind: file.kind, log: silentLogger(), ...FIXTURE_SHAPE })).path, dest)
    }
    out[role] = await torrentOf(join(base, role), saveDir, spec, announce)
  }
  return out as PlayerFixtures
}

/** A .torrent of the files `spec` names under `saveDir`, announcing to `announce` only. */
async function torrentOf (base: string, saveDir: string, spec: TorrentSpec, announce: string[]): Promise<MediaTorrent> {
  const single = spec.files.length === 1
  const input = spec.files.map(({ path }) => {
    const stream = createReadStream(single ? join(saveDir, spec.name) : join(saveDir, spec.name, ...path.split('/'))) as unknown as CreateTorrentInput
    stream.name = single ? spec.name : `${spec.name}/${path}`
    return stream
  })
  const { default: createTorrent } = await importUntyped<CreateTorrentModule>('create-torrent')
  const bytes = await new Promise<Uint8Array>((resolve, reject) => {
    createTorrent(input, {
      name: spec.name,
      announceList: announce.map(u => [u]),
      pieceLength: 64 * 1024,
      private: false,
      createdBy: 'reel-test-ui',
      creationDate: new Date('2024-01-01T00:00:00Z')
    }, (err, buf) => { err !== null && err !== undefined ? reject(err) : resolve(buf) })
  })
  const torrentFile = Buffer.from(bytes)
  const torrentPath = join(base, `${spec.name}.torrent`)
  await writeFile(torrentPath, torrentFile)
  const parsed = await (await importUntyped<ParseTorrentModule>('parse-torrent')).default(torrentFile)
  const fileIndex = parsed.files.findIndex(f => f.path.split(/[\\/]/).slice(single ? 0 : 1).join('/') === spec.main)
  if (fileIndex < 0) throw new Error(`${spec.main} is not a file of the torrent ${spec.name}: ${parsed.files.map(f => f.path).join(', ')}`)
  return { name: spec.name, infoHash: parsed.infoHash, torrentFile, torrentPath, saveDir, fileIndex }
}
