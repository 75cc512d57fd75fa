/**
 * Screens by URL path (`/`, `/title/:id`, `/play/:id?from=S`, `/settings`) through the History
 * API, so a reload stays on the screen; the daemon answers index.html for these paths
 * (src/api/ui.ts `UI_CLIENT_ROUTES`, which must list `/settings` too for a reload there).
 * `back()` never leaves the app: with no earlier screen of ours it goes home.
 */
import { useEffect, useState } from 'preact/hooks'

export type Route =
  | { screen: 'home' }
  | { screen: 'title', id: string }
  | { screen: 'play', id: string, from: number }
  | { screen: 'settings' }

export function parseRoute (path: string, search: string): Route {
  if (path === '/settings') return { screen: 'settings' }
  const title = /^\/title\/([^/]+)$/.exec(path)
  if (title !== null) return { screen: 'title', id: decodeURIComponent(title[1] ?? '') }
  const play = /^\/play\/([^/]+)$/.exec(path)
  if (play !== null) {
    const from = Number(new URLSearchParams(search).get('from') ?? '0')
    return { screen: 'play', id: decodeURIComponent(play[1] ?? ''), from: Number.isFinite(from) && from > 0 ? from : 0 }
  }
  return { screen: 'home' }
}

export function pathOf (route: Route): string {
  switch (route.screen) {
    case 'home': return '/'
    case 'title': return `/title/${encodeURIComponent(route.id)}`
    case 'play': return `/play/${encodeURIComponent(route.id)}${route.from > 0 ? `?from=${Math.floor(route.from)}` : ''}`
    case 'settings': return '/settings'
  }
}

const listeners = new Set<() => void>()
/** How many of our own screens lie behind this one in the browser history. */
let depth = 0

function current (): Route {
  return parseRoute(location.pathname, location.search)
}

function notify (): void {
  for (const listener of listeners) listener()
}

window.addEventListener('popstate', event => {
  depth = typeof (event.state as { depth?: unknown } | null)?.depth === 'number' ? (event.state as { depth: number }).depth : 0
  notify()
})

/** Opens a screen; `replace` swaps the current one (the player replaces the title screen, so Back goes home). */
export function navigate (route: Route, options: { replace?: boolean } = {}): void {
  if (options.replace === true) history.replaceState({ depth }, '', pathOf(route))
  else history.pushState({ depth: ++depth }, '', pathOf(route))
  notify()
}

export function back (): void {
  if (depth > 0) history.back()
  else navigate({ screen: 'home' }, { replace: true })
}

export function useRoute (): Route {
  const [route, setRoute] = useState(current)
  useEffect(() => {
    const update = (): void => { setRoute(current()) }
    listeners.add(update)
    return () => { listeners.delete(update) }
  }, [])
  return route
}
