/**
 * The URL a client on this machine reaches a listening server at: wildcard binds (0.0.0.0,
 * ::) are reached through loopback. `reel daemon` prints it; the HLS packager's ffmpeg reads
 * /stream through it.
 */
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { InternalError } from '../errors.js'

export function urlOf (address: AddressInfo): string {
  let host = address.address
  if (host === '0.0.0.0') host = '127.0.0.1'
  if (host === '::') host = '::1'
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
}

/** The listening app's local URL; throws before `listen()`. */
export function localUrlOf (app: FastifyInstance): string {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new InternalError('the HTTP server is not listening on TCP yet')
  return urlOf(address)
}
