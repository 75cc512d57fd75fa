/**
 * A STUN server (RFC 5389 Binding only) for tests whose peers sit behind NATs: it tells each
 * client the address and port its request arrived from, which is what ICE needs to offer a
 * server-reflexive candidate. No authentication, no TURN relaying.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { crc32 } from 'node:zlib'

const MAGIC_COOKIE = 0x2112a442
const BINDING_REQUEST = 0x0001
const BINDING_SUCCESS = 0x0101
const MAPPED_ADDRESS = 0x0001
const XOR_MAPPED_ADDRESS = 0x0020
const SOFTWARE = 0x8022
const FINGERPRINT = 0x8028
const FINGERPRINT_XOR = 0x5354554e

export interface StunServer {
  port: number
  /** Binding requests answered so far. */
  answered (): number
  close (): Promise<void>
}

export async function startStunServer (host: string, port = 0): Promise<StunServer> {
  const socket: Socket = createSocket('udp4')
  let answered = 0
  socket.on('message', (message, from) => {
    const response = bindingResponse(message, from)
    if (response === undefined) return
    answered++
    socket.send(response, from.port, from.address)
  })
  socket.on('error', () => {})
  await new Promise<void>(resolve => socket.bind(port, host, resolve))
  return {
    port: socket.address().port,
    answered: () => answered,
    close: async () => await new Promise<void>(resolve => socket.close(() => resolve()))
  }
}

/** The Binding success response to a Binding request, or undefined for anything else. */
export function bindingResponse (request: Buffer, from: RemoteInfo): Buffer | undefined {
  if (request.length < 20 || request.readUInt16BE(0) !== BINDING_REQUEST || request.readUInt32BE(4) !== MAGIC_COOKIE) return undefined
  if (from.family !== 'IPv4') return undefined
  const transactionId = request.subarray(8, 20)
  const ip = Buffer.from(from.address.split('.').map(Number))
  const mapped = Buffer.alloc(8)
  mapped.writeUInt16BE(0x0001, 0)
  mapped.writeUInt16BE(from.port, 2)
  ip.copy(mapped, 4)
  const xorMapped = Buffer.alloc(8)
  xorMapped.writeUInt16BE(0x0001, 0)
  xorMapped.writeUInt16BE(from.port ^ (MAGIC_COOKIE >>> 16), 2)
  xorMapped.writeUInt32BE((ip.readUInt32BE(0) ^ MAGIC_COOKIE) >>> 0, 4)
  const attributes = [attribute(MAPPED_ADDRESS, mapped), attribute(XOR_MAPPED_ADDRESS, xorMapped), attribute(SOFTWARE, Buffer.from('reel-test-stun'))]
  const body = Buffer.concat(attributes)
  const header = Buffer.alloc(20)
  header.writeUInt16BE(BINDING_SUCCESS, 0)
  header.writeUInt16BE(body.length + 8, 2)
  header.writeUInt32BE(MAGIC_COOKIE, 4)
  transactionId.copy(header, 8)
  const withoutFingerprint = Buffer.concat([header, body])
  const fingerprint = Buffer.alloc(4)
  fingerprint.writeUInt32BE((crc32(withoutFingerprint) ^ FINGERPRINT_XOR) >>> 0, 0)
  return Buffer.concat([withoutFingerprint, attribute(FINGERPRINT, fingerprint)])
}

function attribute (type: number, value: Buffer): Buffer {
  const padded = Math.ceil(value.length / 4) * 4
  const out = Buffer.alloc(4 + padded)
  out.writeUInt16BE(type, 0)
  out.writeUInt16BE(value.length, 2)
  value.copy(out, 4)
  return out
}
