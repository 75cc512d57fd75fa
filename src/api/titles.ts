/**
 * `/api/titles` for the player UI: the titles on this box, the position to resume each from,
 * and `/api/player/state`, where the UI reports whether it is playing and on screen.
 * The logic lives in src/rental; these routes only validate and translate.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { Catalog, PlayerPresence, WatchHistory } from '../rental/index.js'

export interface TitleRoutesInit {
  catalog: Catalog
  history: Pick<WatchHistory, 'setPosition'>
  presence: PlayerPresence
  /** Called after the UI reports a change, so the sharing budget follows within the second. */
  presenceChanged?: () => void
  /** Called when the titles are listed: a new title seen by the UI is worth preparing at once. */
  titlesListed?: () => void
}

interface TitleParams { id: string }

/** Longest film position accepted: a week, far past any film, short of nonsense. */
const MAX_POSITION_SECONDS = 7 * 24 * 3600

export function titleRoutes (init: TitleRoutesInit): FastifyPluginAsync {
  const { catalog, history, presence } = init

  return async app => {
    app.get('/api/titles', async () => {
      const titles = catalog.list()
      init.titlesListed?.()
      return titles
    })

    app.get<{ Params: TitleParams }>('/api/titles/:id', async request => catalog.get(request.params.id))

    app.put<{ Params: TitleParams, Body: { seconds: number } }>('/api/titles/:id/position', {
      schema: {
        body: {
          type: 'object',
          required: ['seconds'],
          additionalProperties: false,
          properties: { seconds: { type: 'number', minimum: 0, maximum: MAX_POSITION_SECONDS } }
        }
      }
    }, async request => {
      const title = catalog.get(request.params.id)
      const record = await history.setPosition(title.id, request.body.seconds)
      return { ...title, lastPositionSeconds: record.positionSeconds, lastWatchedAt: record.watchedAt }
    })

    app.post<{ Body: { playing: boolean, visible: boolean } }>('/api/player/state', {
      schema: {
        body: {
          type: 'object',
          required: ['playing', 'visible'],
          additionalProperties: false,
          properties: { playing: { type: 'boolean' }, visible: { type: 'boolean' } }
        }
      }
    }, async request => {
      const state = presence.report(request.body)
      init.presenceChanged?.()
      return state
    })

    app.get('/api/player/state', async () => presence.current())
  }
}
