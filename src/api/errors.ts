/**
 * The one place that turns errors into HTTP answers: a ReelError's code picks the status,
 * fastify's own errors (validation, body limit, content type) become named Reel errors, and
 * anything else is an InternalError whose details go to the log, not to the client.
 * Every error body is `{"error": {"code", "message"}}`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  BadRequestError, InternalError, PayloadTooLargeError, RangeNotSatisfiableError, ReelError,
  RouteNotFoundError, UnsupportedMediaTypeError
} from '../errors.js'
import type { Logger } from '../log.js'
import { unsatisfiedRange } from '../stream/index.js'

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  REEL_ERR_BAD_TORRENT: 400,
  REEL_ERR_UNSAFE_PATH: 400,
  REEL_ERR_BAD_REQUEST: 400,
  REEL_ERR_TORRENT_NOT_FOUND: 404,
  REEL_ERR_FILE_NOT_FOUND: 404,
  REEL_ERR_ROUTE_NOT_FOUND: 404,
  REEL_ERR_DUPLICATE_TORRENT: 409,
  REEL_ERR_PAYLOAD_TOO_LARGE: 413,
  REEL_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  REEL_ERR_RANGE_NOT_SATISFIABLE: 416,
  REEL_ERR_NOT_VIDEO: 415,
  REEL_ERR_UNSUPPORTED_CODEC: 415,
  REEL_ERR_MEDIA_UNREADABLE: 422,
  REEL_ERR_SEGMENT_TIMEOUT: 504,
  REEL_ERR_METADATA_PENDING: 503,
  REEL_ERR_DISK_FULL: 507
}

/** The HTTP status for an error code; 500 for codes that are not the client's doing. */
export function httpStatusFor (code: string): number {
  return STATUS_BY_CODE[code] ?? 500
}

/** The JSON body of every error answer. */
export interface ErrorBody { error: { code: string, message: string } }

/** Maps anything thrown in a route to the ReelError the client sees. */
export function toReelError (err: unknown): ReelError {
  if (err instanceof ReelError) return err
  const fastifyError = err as Partial<FastifyError> | undefined
  if (fastifyError?.validation !== undefined) return new BadRequestError(fastifyError.message ?? 'invalid request')
  const status = fastifyError?.statusCode
  if (status === 413) {
    return new PayloadTooLargeError('the request body is over the size limit; a .torrent file may be at most 16 MiB', { cause: err })
  }
  if (status === 415) {
    return new UnsupportedMediaTypeError(
      'send a .torrent file as application/x-bittorrent (or application/octet-stream), or {"magnet": "magnet:?..."} as application/json',
      { cause: err })
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new BadRequestError(fastifyError?.message ?? 'bad request', { cause: err })
  }
  return new InternalError('internal error; the daemon log has the details', { cause: err })
}

/** Installs the error and not-found handlers on `app`. */
export function registerErrorHandling (app: FastifyInstance, log: Logger): void {
  app.setErrorHandler(async (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const reel = toReelError(err)
    const status = httpStatusFor(reel.code)
    const clientGone = reply.raw.destroyed
    if (status >= 500 && !clientGone) log.error({ err, method: request.method, url: request.url, code: reel.code }, 'request failed')
    else log.debug({ method: request.method, url: request.url, code: reel.code, reason: reel.message, cause: causeOf(reel) }, 'request refused')
    // A stream route may have staged its headers on the raw response before failing.
    if (!reply.raw.headersSent) {
      for (const name of ['content-range', 'content-length', 'accept-ranges', 'etag', 'content-type']) reply.removeHeader(name)
    }
    if (reel instanceof RangeNotSatisfiableError) reply.header('content-range', unsatisfiedRange(reel.fileLength))
    if (status === 503) reply.header('retry-after', '5')
    const body: ErrorBody = { error: { code: reel.code, message: reel.message } }
    return await reply.code(status).type('application/json; charset=utf-8').send(body)
  })

  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    const err = new RouteNotFoundError(`no route for ${request.method} ${request.url.split('?')[0] ?? ''}`)
    const body: ErrorBody = { error: { code: err.code, message: err.message } }
    return await reply.code(404).send(body)
  })
}

/** What lies behind a refusal (a tool's own words, say), for the log only. */
function causeOf (err: ReelError): string | undefined {
  return err.cause instanceof Error ? err.cause.message : undefined
}
