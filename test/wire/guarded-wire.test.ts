import t from 'tap'
import { GuardedWire } from '../../src/wire/guarded-wire.js'

function handshakeBytes (): Buffer {
  return Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(8), Buffer.alloc(20, 1), Buffer.alloc(20, 2)])
}

function feed (wire: GuardedWire, bytes: Buffer): Promise<string | undefined> {
  return new Promise(resolve => {
    wire.on('protocolError', (reason: string) => resolve(reason))
    wire.write(bytes)
    setTimeout(() => resolve(undefined), 50)
  })
}

t.test('drops a peer announcing a message longer than the limit', async t => {
  const wire = new GuardedWire()
  wire.on('error', () => {})
  const header = Buffer.alloc(4)
  header.writeUInt32BE(0xffffffff)
  const reason = await feed(wire, Buffer.concat([handshakeBytes(), header]))
  t.match(reason, /exceeds the 262144-byte limit/)
})

const malformed: Array<[string, Buffer]> = [
  ['a have message without its index', Buffer.from([0, 0, 0, 1, 4])],
  ['a request with a short body', Buffer.from([0, 0, 0, 5, 6, 0, 0, 0, 1])],
  ['a choke with trailing bytes', Buffer.from([0, 0, 0, 2, 0, 9])],
  ['a piece message shorter than its header', Buffer.from([0, 0, 0, 3, 7, 0, 0])]
]
for (const [what, message] of malformed) {
  t.test(`drops a peer sending ${what}`, async t => {
    const wire = new GuardedWire()
    wire.on('error', () => {})
    const reason = await feed(wire, Buffer.concat([handshakeBytes(), message]))
    t.match(reason, /message|header/)
  })
}

t.test('accepts well-formed messages', async t => {
  const wire = new GuardedWire()
  const seen: number[] = []
  wire.on('have', (index: number) => seen.push(index))
  wire.on('unchoke', () => seen.push(-1))
  const reason = await feed(wire, Buffer.concat([handshakeBytes(), Buffer.from([0, 0, 0, 5, 4, 0, 0, 0, 7, 0, 0, 0, 1, 1])]))
  t.equal(reason, undefined)
  t.same(seen, [7, -1])
})
