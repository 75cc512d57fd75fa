/**
 * Abort signals tied to an HTTP response, for work that should not outlive it: reads a client
 * no longer waits for, and lookups that only matter while the response is being sent.
 */
import type { FastifyReply } from 'fastify'
import { AbortedError } from '../errors.js'

/** A signal that fires when the client goes away before the response is complete. */
export function abortOnDisconnect (reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new AbortedError('the client disconnected'))
  })
  return controller.signal
}

/** A signal that fires when the response is over, complete or not. */
export function abortWhenOver (reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  reply.raw.once('close', () => { controller.abort(new AbortedError('the response is over')) })
  return controller.signal
}
