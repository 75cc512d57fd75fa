/**
 * The player test's titles, made here with ffmpeg until src/cli/demo-media.ts has the
 * fixture generators of issue 4: an MP4 with its moov at the end, a folder torrent whose film
 * (MKV, H.264 + AC-3 audio) is file 1 after a text file, a "video" of random bytes, and a
 * torrent holding no video. Each becomes a real .torrent announcing to the test's tracker.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { importUntyped, type CreateTorrentInput, type CreateTorrentModule, type ParseTorrentModule } from '../helpers/untyped.js'

export const FIXTURE_SECONDS = 40

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

async function ffmpeg (args: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', chunk => { stderr += String(chunk) })
    child.on('error', reject)
    child.on('exit', code => { code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${String(code)}: ${stderr.slice(-500)}`)) })
  })
}

/** 640×360 25 fps H.264, a keyframe every 2 s, with `audio` ffmpeg codec args. */
function clipArgs (audio: string[], output: string): string[] {
  return [
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(FIXTURE_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p', ...audio, '-threads', '2', output
  ]
}

/**
 * `files` are paths inside the folder `name` (create-torrent makes a single-file torrent of one
 * input, so a folder needs two or more); null makes a single-file torrent of the file `name`.
 * `main` is the path of the file the test is about.
 */
async function torrentOf (base: string, name: string, files: string[] | null, announce: string[], main: string): Promise<MediaTorrent> {
  const saveDir = join(base, 'data')
  const single = files === null
  const input = (files ?? [name]).map(path => {
    const stream = createReadStream(join(saveDir, name, ...(single ? [] : path.split('/')))) as unknown as CreateTorrentInput
    stream.name = single ? name : `${name}/${path}`
    return stream
  })
  const { default: createTorrent } = await importUntyped<CreateTorrentModule>('create-torrent')
  const bytes = await new Promise<Uint8Array>((resolve, reject) => {
    createTorrent(input, {
      name, announceList: announce.map(u => [u]), pieceLength: 64 * 1024, private: false,
      createdBy: 'reel-test-ui', creationDate: new Date('2024-01-01T00:00:00Z')
    }, (err, buf) => { err !== null && err !== undefined ? reject(err) : resolve(buf) })
  })
  const torrentFile = Buffer.from(bytes)
  const torrentPath = join(base, `${name}.torrent`)
  await writeFile(torrentPath, torrentFile)
  const parsed = await (await importUntyped<ParseTorrentModule>('parse-torrent')).default(torrentFile)
  const fileIndex = parsed.files.findIndex(f => f.path.split(/[\\/]/).slice(single ? 0 : 1).join('/') === main)
  if (fileIndex < 0) throw new Error(`${main} is not a file of the torrent ${name}: ${parsed.files.map(f => f.path).join(', ')}`)
  return { name, infoHash: parsed.infoHash, torrentFile, torrentPath, saveDir, fileIndex }
}

export interface PlayerFixtures {
  moovAtEnd: MediaTorrent
  mkvAc3: MediaTorrent
  corrupt: MediaTorrent
  notVideo: MediaTorrent
}

/** Writes the four fixtures under `base` (one folder each) and makes their torrents. */
export async function makePlayerFixtures (base: string, announce: string[]): Promise<PlayerFixtures> {
  const folder = (name: string): string => join(base, name, 'data')
  await Promise.all(['moov', 'mkv', 'corrupt', 'other'].map(async name => { await mkdir(folder(name), { recursive: true }) }))

  // The mp4 muxer writes the moov after the media unless told +faststart.
  const moovName = 'Moov.At.End.2024.mp4'
  await ffmpeg(clipArgs(['-c:a', 'aac'], join(folder('moov'), moovName)))

  const mkvName = 'Second Film (2025)'
  await mkdir(join(folder('mkv'), mkvName), { recursive: true })
  await writeFile(join(folder('mkv'), mkvName, 'notes.txt'), 'Made for the player test.\n')
  await ffmpeg(clipArgs(['-c:a', 'ac3', '-b:a', '192k'], join(folder('mkv'), mkvName, 'second.mkv')))

  const corruptName = 'Broken.Clip.mp4'
  await writeFile(join(folder('corrupt'), corruptName), randomBytes(512 * 1024))

  const otherName = 'Manuals'
  await mkdir(join(folder('other'), otherName), { recursive: true })
  await writeFile(join(folder('other'), otherName, 'manual.pdf'), randomBytes(100 * 1024))
  await writeFile(join(folder('other'), otherName, 'readme.txt'), 'Not a film.\n')

  return {
    moovAtEnd: await torrentOf(join(base, 'moov'), moovName, null, announce, moovName),
    mkvAc3: await torrentOf(join(base, 'mkv'), mkvName, ['notes.txt', 'second.mkv'], announce, 'second.mkv'),
    corrupt: await torrentOf(join(base, 'corrupt'), corruptName, null, announce, corruptName),
    notVideo: await torrentOf(join(base, 'other'), otherName, ['manual.pdf', 'readme.txt'], announce, 'manual.pdf')
  }
}
