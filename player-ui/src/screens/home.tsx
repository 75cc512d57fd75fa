/**
 * Home: the box's titles as a grid of poster frames with their download state, and Settings in
 * the header row (▲ from the first row of titles). The list is refreshed every few seconds;
 * focus starts on the first title, stays on the same one across refreshes and comes back to
 * what was opened last (a title, or Settings).
 */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks'
import { api, viewerMessage, type Title } from '../api.js'
import { Bar, Poster } from '../components/poster.js'
import { clock, percent } from '../format.js'
import { focusElement, focusFirst } from '../remote.js'
import { navigate } from '../router.js'

const REFRESH_MS = 3000
/** A selector for what was opened last, so Back from it lands there. */
let lastOpened: string | undefined
const SETTINGS = '[data-action="settings"]'

/** One line under the poster: what the viewer can do with the title now. */
export function statusOf (title: Title): string {
  if (!title.playable) return 'Not a film'
  if (title.state === 'error') return 'Download failed'
  if (title.state === 'metadata') return 'Finding the film…'
  if (title.state === 'checking') return 'Checking files…'
  if (title.lastPositionSeconds > 0) return `Resume at ${clock(title.lastPositionSeconds)}`
  if (title.progress >= 1) return 'Ready to play'
  return `Downloading ${percent(title.progress)} · plays now`
}

export function Home () {
  const [titles, setTitles] = useState<Title[] | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)

  useEffect(() => {
    let stopped = false
    const load = (): void => {
      api.titles()
        .then(list => { if (!stopped) { setTitles(list); setError(undefined) } })
        .catch(err => { if (!stopped) setError(viewerMessage(err)) })
    }
    load()
    const timer = setInterval(load, REFRESH_MS)
    return () => { stopped = true; clearInterval(timer) }
  }, [])

  const loaded = titles !== undefined
  useLayoutEffect(() => {
    if (!loaded) return
    const active = document.activeElement as HTMLElement | null
    if (active?.dataset.nav !== undefined && document.body.contains(active)) return
    const remembered = lastOpened === undefined ? null : document.querySelector<HTMLElement>(lastOpened)
    if (remembered !== null) focusElement(remembered)
    else focusFirst('[data-title-id]')
  }, [loaded, titles?.length])

  return (
    <main class='screen home'>
      <header class='home__header'>
        <h1 class='brand'>Reel</h1>
        {error !== undefined && <p class='banner banner--error' role='alert'>{error}</p>}
        <button
          type='button'
          class='action action--quiet home__settings'
          data-nav=''
          data-action='settings'
          onClick={() => { lastOpened = SETTINGS; navigate({ screen: 'settings' }) }}
        >
          Settings
        </button>
      </header>
      {titles === undefined && error === undefined && <p class='hint'>Loading the films on this box…</p>}
      {titles !== undefined && titles.length === 0 && (
        <p class='hint'>No films on this box yet. Add one from a computer with <code>reel add</code>; it shows up here.</p>
      )}
      <ul class='grid'>
        {titles?.map(title => (
          <li key={title.id}>
            <button
              type='button'
              class={`card${title.playable ? '' : ' card--unplayable'}`}
              data-nav=''
              data-title-id={title.id}
              onClick={() => { lastOpened = `[data-title-id="${CSS.escape(title.id)}"]`; navigate({ screen: 'title', id: title.id }) }}
            >
              <Poster title={title} />
              <span class='card__name'>{title.name}</span>
              <span class='card__status'>{statusOf(title)}</span>
              {title.playable && title.progress < 1 && <Bar value={title.progress} label='downloaded' />}
            </button>
          </li>
        ))}
      </ul>
    </main>
  )
}
