/**
 * Serves the built player UI (`dist/player-ui/`: index.html, app.js, app.css) at `/`.
 * The UI routes on the client (`/title/:id`, `/play/:id`): those paths answer index.html so a
 * reload lands on the same screen. Everything else that is not a file keeps the JSON 404 of
 * the error handler, so `/api`, `/hls` and `/stream` never answer HTML by mistake.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from '../log.js'

/** Client-side routes of the player UI; keep in step with player-ui/src/router.ts. */
export const UI_CLIENT_ROUTES = ['/title/:id', '/play/:id', '/settings'] as const

export interface UiRoutesInit {
  log: Logger
  /** Folder of the built UI; default `dist/player-ui` of the checkout or install. */
  root?: string
}

/**
 * The built UI: `dist/player-ui`, seen from the compiled `dist/src/api/ui.js` as `../../player-ui`
 * and from the source `src/api/ui.ts` (under tap) as `../../dist/player-ui`.
 */
export function defaultUiRoot (): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const fromDist = join(here, '..', '..', 'player-ui')
  return existsSync(join(fromDist, 'app.js')) ? fromDist : join(here, '..', '..', 'dist', 'player-ui')
}

export function uiRoutes (init: UiRoutesInit): FastifyPluginAsync {
  return async app => {
    const root = init.root ?? defaultUiRoot()
    if (!existsSync(join(root, 'index.html'))) {
      init.log.warn({ root }, 'the player UI is not built (npm run build); / answers 404')
      return
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: ['index.html'],
      // The files are few and fixed: one route each, no catch-all that could shadow the API.
      wildcard: false,
      // File names carry no hash, so the TV revalidates (a cheap 304 on the box's own server).
      setHeaders: reply => { reply.header('cache-control', 'no-cache') }
    })
    for (const route of UI_CLIENT_ROUTES) {
      app.get(route, async (_request, reply) => await reply.header('cache-control', 'no-cache').sendFile('index.html', root))
    }
  }
}
