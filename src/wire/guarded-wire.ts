/**
 * bittorrent-protocol's Wire with the checks it lacks: a cap on message length (a peer
 * announcing a 4 GiB message would otherwise make us buffer it) and a length check per
 * message type. A violation destroys the wire and emits `protocolError` with the reason.
 * It also frames incoming bytes without the parent's copy of every socket chunk: messages
 * are sliced out of the chunks and only a message spanning two chunks is copied.
 */
import Wire from 'bittorrent-protocol'

/** Fixed payload lengths (id byte included) of the messages that have one. */
const FIXED_LENGTH: Record<number, number> = {
  0: 1, 1: 1, 2: 1, 3: 1, 4: 5, 6: 13, 8: 13, 9: 3, 0x0d: 5, 0x0e: 1, 0x0f: 1, 0x10: 13, 0x11: 5
}
const PIECE_HEADER = 9
const EMPTY = new Uint8Array(0)
const EXTENDED_HEADER = 2

export class GuardedWire extends Wire {
  /** Largest message accepted; set from the torrent's piece count once known. */
  maxMessageLength = 256 * 1024
  private violated = false

  private violation (reason: string): void {
    if (this.violated) return
    this.violated = true
    this.emit('protocolError', reason)
    this.destroy()
  }

  override _write (data: Uint8Array, cb: (err: Error | null) => void): void {
    // Message stream encryption is never enabled on our wires, so no decryption or resync here.
    if (this._encryptor !== null) return super._write(data, cb)
    this._buffer.push(data)
    this._bufferSize += data.length
    while (this._bufferSize >= this._parserSize && !this.violated) {
      const size = this._parserSize
      this._bufferSize -= size
      this._parser(size === 0 ? EMPTY : this.nextMessageBytes(size))
    }
    cb(null)
  }

  /** Removes the next `size` bytes from the chunk queue, copying only when they span chunks. */
  private nextMessageBytes (size: number): Uint8Array {
    const chunks = this._buffer
    const first = chunks[0] as Uint8Array
    if (first.length >= size) {
      if (first.length === size) chunks.shift()
      else chunks[0] = first.subarray(size)
      return first.subarray(0, size)
    }
    const message = Buffer.allocUnsafe(size)
    let filled = 0
    while (filled < size) {
      const chunk = chunks[0] as Uint8Array
      const part = Math.min(chunk.length, size - filled)
      message.set(part === chunk.length ? chunk : chunk.subarray(0, part), filled)
      filled += part
      if (part === chunk.length) chunks.shift()
      else chunks[0] = chunk.subarray(part)
    }
    return message
  }

  override _onMessageLength (buffer: Uint8Array): void {
    const length = Buffer.from(buffer.buffer, buffer.byteOffset, 4).readUInt32BE(0)
    if (length > this.maxMessageLength) {
      this.violation(`message of ${length} bytes exceeds the ${this.maxMessageLength}-byte limit`)
      return
    }
    super._onMessageLength(buffer)
  }

  override _onMessage (buffer: Uint8Array): void {
    const id = buffer[0] as number
    const expected = FIXED_LENGTH[id]
    if (expected !== undefined && buffer.length !== expected) {
      this.violation(`message id ${id} has ${buffer.length} bytes, expected ${expected}`)
      return
    }
    if (id === 7 && buffer.length < PIECE_HEADER) return this.violation('piece message shorter than its header')
    if (id === 20 && buffer.length < EXTENDED_HEADER) return this.violation('extended message shorter than its header')
    super._onMessage(buffer)
  }
}

