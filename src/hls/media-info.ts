/**
 * What a title's media is, as `GET /hls/:infoHash/:fileIndex/info` answers it. Imports nothing,
 * so the player UI shares these types with the daemon instead of keeping a copy.
 */

export interface VideoInfo { codec: string, width: number, height: number }
export interface AudioInfo { codec: string, channels: number }

/** The answer of `GET /hls/:infoHash/:fileIndex/info`. */
export interface MediaInfoView {
  durationSeconds: number
  video: VideoInfo
  audio: AudioInfo | null
  audioTranscoded: boolean
  playable: true
}
