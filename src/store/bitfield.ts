/** A fixed-size set of piece indexes stored as a BitTorrent bitfield (MSB first), with a live count. */
export class Bitfield {
  readonly bytes: Uint8Array
  private population = 0

  constructor (readonly size: number, bytes?: Uint8Array) {
    this.bytes = new Uint8Array(Math.ceil(size / 8))
    if (bytes !== undefined) {
      for (let i = 0; i < size; i++) {
        if ((((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1) this.set(i)
      }
    }
  }

  /** True when `bytes` is the right length for `size` pieces and its spare trailing bits are zero. */
  static fits (size: number, bytes: Uint8Array): boolean {
    if (bytes.length !== Math.ceil(size / 8)) return false
    const spare = bytes.length * 8 - size
    return spare === 0 || ((bytes[bytes.length - 1] ?? 0) & ((1 << spare) - 1)) === 0
  }

  has (i: number): boolean {
    return (((this.bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1
  }

  set (i: number): void {
    if (this.has(i)) return
    this.bytes[i >> 3] = (this.bytes[i >> 3] ?? 0) | (0x80 >> (i & 7))
    this.population++
  }

  clear (i: number): void {
    if (!this.has(i)) return
    this.bytes[i >> 3] = (this.bytes[i >> 3] ?? 0) & ~(0x80 >> (i & 7))
    this.population--
  }

  count (): number {
    return this.population
  }

  * indexes (): Generator<number> {
    for (let i = 0; i < this.size; i++) if (this.has(i)) yield i
  }
}
