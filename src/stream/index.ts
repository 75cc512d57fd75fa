/** Byte-range streaming of torrent files: Range decisions, media types, readers as Node streams. */
export { createFileStream, DEFAULT_MAX_CHUNK, DEFAULT_READAHEAD, type FileStreamOptions } from './file-stream.js'
export { contentRange, decideRange, unsatisfiedRange, type RangeDecision } from './byte-range.js'
export { mediaTypeFor } from './media-type.js'
