/**
 * The viewer's sharing budget and what it has shared:
 * `GET /api/settings` → the budget; `PUT /api/settings` with a JSON object of the fields to
 * change (the rest stay) → 200 with the whole budget, or 400 naming the bad field;
 * `GET /api/sharing` → bytes shared today and this month, current rate, peers served, the
 * allowance in force and why, and the budget. Logic lives in src/seeding/.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { SeedingSettings, SharingView } from '../seeding/index.js'

export interface SettingsRoutesInit {
  seeding: {
    settings (): SeedingSettings
    updateSettings (patch: unknown): Promise<SeedingSettings>
    sharing (): SharingView
  }
}

export function settingsRoutes (init: SettingsRoutesInit): FastifyPluginAsync {
  const { seeding } = init
  return async app => {
    app.get('/api/settings', async () => seeding.settings())
    app.put('/api/settings', async request => await seeding.updateSettings(request.body))
    app.get('/api/sharing', async () => seeding.sharing())
  }
}
