/**
 * What a title's file is, from ffprobe's JSON over the /stream URL, and whether the box can
 * play it. Failures are told apart: no video stream (or a file that is not media and not named
 * like video) is NotVideoError; a video-named file ffprobe cannot read is MediaUnreadableError;
 * a source that could not be reached is a MediaToolError (not cached: it may work next time).
 */
import { MediaToolError, MediaUnreadableError, NotVideoError, UnsupportedCodecError } from '../errors.js'
import { lastLines, type ToolExit } from './media-tool.js'
import type { MediaProbe, TitleFile } from './types.js'

const VIDEO_EXTENSIONS = new Set(['mp4', 'm4v', 'mkv', 'webm', 'mov', 'avi', 'ts', 'm2ts', 'mts', 'mpg', 'mpeg', 'wmv', 'flv', 'ogv', '3gp'])
/** ffprobe's complaints about the data itself, as opposed to reaching it. */
const DATA_ERRORS = /Invalid data found|moov atom not found|EBML header parsing failed|could not find codec parameters|Invalid argument|End of file|error reading header|no streams/i

/** "Video" that is a still image or text art: ffprobe reads a .txt as ANSI art (format `tty`). */
const STILL_CODECS = new Set(['ansi', 'bintext', 'xbin', 'idf', 'png', 'apng', 'mjpeg', 'jpegls', 'bmp', 'gif', 'tiff', 'webp', 'ppm', 'pam', 'pgm', 'qoi'])
const STILL_FORMATS = /^(tty|bin|xbin|adf|idf|image2|[a-z0-9]+_pipe|gif|apng|webp)$/

const CODEC_NAMES: Readonly<Record<string, string>> = {
  hevc: 'HEVC', h264: 'H.264', vp9: 'VP9', vp8: 'VP8', av1: 'AV1', mpeg2video: 'MPEG-2', mpeg4: 'MPEG-4 Part 2',
  mpeg1video: 'MPEG-1', vc1: 'VC-1', wmv3: 'WMV', msmpeg4v3: 'DivX 3', theora: 'Theora', prores: 'ProRes'
}

interface FfprobeStream {
  index?: number
  codec_type?: string
  codec_name?: string
  width?: number
  height?: number
  channels?: number
  has_b_frames?: number
  duration?: string
  disposition?: { default?: number, attached_pic?: number }
}
interface FfprobeOutput { streams?: FfprobeStream[], format?: { format_name?: string, duration?: string, start_time?: string } }

/** Reads ffprobe's answer for `file`. Throws NotVideoError, MediaUnreadableError, MediaToolError. */
export function parseProbe (file: TitleFile, exit: ToolExit): MediaProbe {
  let output: FfprobeOutput | undefined
  try {
    output = exit.code === 0 ? JSON.parse(exit.stdout) as FfprobeOutput : undefined
  } catch {
    output = undefined
  }
  const name = file.path.slice(file.path.lastIndexOf('/') + 1)
  if (output === undefined) {
    const reason = lastLines(exit.stderr)
    if (!DATA_ERRORS.test(exit.stderr) && exit.code !== 0) {
      throw new MediaToolError(`ffprobe could not read ${name} (exit ${String(exit.code ?? exit.signal)}): ${reason}`)
    }
    if (!looksLikeVideo(file.path)) throw notVideo(name)
    // The viewer sees the message; ffprobe's own words go to the cause, for the log.
    throw new MediaUnreadableError(`"${name}" cannot be read as a video; the file is damaged or in an unknown format`, { cause: new Error(reason) })
  }
  const streams = output.streams ?? []
  const video = streams.find(s => s.codec_type === 'video' && s.disposition?.attached_pic !== 1)
  if (video === undefined) throw notVideo(name)
  const format = output.format?.format_name ?? 'unknown'
  if (STILL_FORMATS.test(format) || (STILL_CODECS.has(video.codec_name ?? '') && !looksLikeVideo(file.path))) throw notVideo(name)
  const audios = streams.filter(s => s.codec_type === 'audio')
  const audio = audios.find(s => s.disposition?.default === 1) ?? audios[0]
  const duration = Number(output.format?.duration ?? video.duration)
  if (!(duration > 0) || !(Number(video.width) > 0) || video.codec_name === undefined || video.index === undefined) {
    throw new MediaUnreadableError(`"${name}" has a video stream ffprobe cannot make sense of (no size or duration); the file is damaged`)
  }
  return {
    container: format,
    startSeconds: Number(output.format?.start_time ?? 0) || 0,
    durationSeconds: duration,
    video: {
      streamIndex: video.index,
      codec: video.codec_name,
      width: Number(video.width),
      height: Number(video.height),
      hasBFrames: Number(video.has_b_frames ?? 0) > 0
    },
    audio: audio?.index === undefined || audio.codec_name === undefined
      ? null
      : { streamIndex: audio.index, codec: audio.codec_name, channels: Number(audio.channels ?? 2) }
  }
}

/** Throws UnsupportedCodecError, with a message fit for the TV screen, for video the box cannot show. */
export function assertPlayable (probe: MediaProbe, options: { hevc?: boolean }): void {
  const codec = probe.video.codec
  if (codec === 'h264') return
  if (codec === 'hevc' && options.hevc === true) return
  const name = CODEC_NAMES[codec] ?? codec.toUpperCase()
  const hint = codec === 'hevc'
    ? ' (this browser cannot decode it)'
    : codec === 'vp9' || codec === 'av1' ? ' (it cannot be packaged for this box\'s player yet)' : ''
  throw new UnsupportedCodecError(`This film's video (${name}) is not supported on this box${hint}. Choose an H.264 release of the film.`)
}

export function looksLikeVideo (path: string): boolean {
  const dot = path.lastIndexOf('.')
  return dot > path.lastIndexOf('/') && VIDEO_EXTENSIONS.has(path.slice(dot + 1).toLowerCase())
}

function notVideo (name: string): NotVideoError {
  return new NotVideoError(`"${name}" is not a video; choose the film's video file in this torrent`)
}
