/**
 * `GET /healthz`: 200 `{"status":"ok"}` when the engine runs and the data dir is writable,
 * else 503 `{"status":"unavailable","problems":[...]}` naming what is wrong.
 */
import { access, constants } from 'node:fs/promises'
import type { FastifyPluginAsync } from 'fastify'

export interface HealthInit {
  /** Whether the engine has started and not stopped. */
  engineRunning: () => boolean
  /** Checked for write access; skipped when absent. */
  dataDir?: string
}

/** What is wrong with the daemon, empty when healthy. */
export async function healthProblems (init: HealthInit): Promise<string[]> {
  const problems: string[] = []
  if (!init.engineRunning()) problems.push('the torrent engine is not running')
  if (init.dataDir !== undefined) {
    try {
      await access(init.dataDir, constants.W_OK)
    } catch (err) {
      problems.push(`the data dir ${init.dataDir} is not writable (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  return problems
}

export function healthRoutes (init: HealthInit): FastifyPluginAsync {
  return async app => {
    app.get('/healthz', async (_request, reply) => {
      const problems = await healthProblems(init)
      if (problems.length === 0) return { status: 'ok' }
      return await reply.code(503).send({ status: 'unavailable', problems })
    })
  }
}
