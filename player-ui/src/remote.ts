/**
 * The TV remote: key names become actions, and arrow keys move a visible focus between the
 * elements marked `data-nav` by their position on screen (the nearest one in that direction).
 * The screen on top handles actions first; what it leaves, the default does (focus moves,
 * Enter clicks the focused element, Back goes back).
 */
import { useEffect, useRef } from 'preact/hooks'

export type Action =
  | 'up' | 'down' | 'left' | 'right' | 'select' | 'back'
  | 'playPause' | 'play' | 'pause' | 'stop' | 'fastForward' | 'rewind' | 'info'

const ACTIONS: Record<string, Action> = {
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowLeft: 'left',
  ArrowRight: 'right',
  Enter: 'select',
  Escape: 'back',
  Backspace: 'back',
  GoBack: 'back',
  BrowserBack: 'back',
  MediaPlayPause: 'playPause',
  ' ': 'playPause',
  MediaPlay: 'play',
  MediaPause: 'pause',
  MediaStop: 'stop',
  MediaFastForward: 'fastForward',
  MediaRewind: 'rewind',
  i: 'info',
  I: 'info',
  Info: 'info'
}

export function actionOf (event: KeyboardEvent): Action | undefined {
  if (event.altKey || event.ctrlKey || event.metaKey) return undefined
  return ACTIONS[event.key]
}

type Direction = 'up' | 'down' | 'left' | 'right'

function navigable (): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[data-nav]')]
    .filter(el => !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0)
}

/** Focuses `el` and brings it on screen; a visible outline comes from CSS `:focus`. */
export function focusElement (el: HTMLElement | null | undefined): void {
  if (el == null) return
  el.focus({ preventScroll: true })
  el.scrollIntoView({ block: 'nearest', inline: 'nearest' })
}

/** The first navigable element, or the one matching `selector` when there is one. */
export function focusFirst (selector?: string): void {
  const wanted = selector === undefined ? null : document.querySelector<HTMLElement>(selector)
  focusElement(wanted ?? navigable()[0])
}

/** Moves focus to the nearest navigable element in `direction`; false when there is none. */
export function moveFocus (direction: Direction): boolean {
  const items = navigable()
  const active = document.activeElement as HTMLElement | null
  if (active === null || !items.includes(active)) {
    focusElement(items[0])
    return items.length > 0
  }
  const from = active.getBoundingClientRect()
  const fx = from.left + from.width / 2
  const fy = from.top + from.height / 2
  let best: HTMLElement | undefined
  let bestScore = Infinity
  for (const el of items) {
    if (el === active) continue
    const r = el.getBoundingClientRect()
    const x = r.left + r.width / 2
    const y = r.top + r.height / 2
    const along = direction === 'left' ? fx - x : direction === 'right' ? x - fx : direction === 'up' ? fy - y : y - fy
    const across = direction === 'left' || direction === 'right' ? Math.abs(y - fy) : Math.abs(x - fx)
    if (along <= 1) continue
    // Staying in the same row or column matters more than distance along it.
    const score = along + across * 3
    if (score < bestScore) { bestScore = score; best = el }
  }
  focusElement(best)
  return best !== undefined
}

/** Handles an action; returns true when it took it, so the default does not run. */
export type ActionHandler = (action: Action, event: KeyboardEvent) => boolean

const handlers: ActionHandler[] = []
let fallbackBack: () => void = () => {}

/** Installs the one key listener; `onBack` runs for Back when no screen takes it. */
export function startRemote (onBack: () => void): void {
  fallbackBack = onBack
  window.addEventListener('keydown', event => {
    const action = actionOf(event)
    if (action === undefined) return
    // Enter and Space would also click a focused button natively; we click ourselves, once.
    event.preventDefault()
    for (let i = handlers.length - 1; i >= 0; i--) {
      if (handlers[i]?.(action, event) === true) return
    }
    switch (action) {
      case 'up': case 'down': case 'left': case 'right':
        moveFocus(action)
        break
      case 'select':
        (document.activeElement as HTMLElement | null)?.click()
        break
      case 'back':
        fallbackBack()
        break
      default:
        break
    }
  })
}

/** Lets a screen take actions while it is mounted; the latest handler is always the one called. */
export function useRemote (handler: ActionHandler): void {
  const latest = useRef(handler)
  latest.current = handler
  useEffect(() => {
    const entry: ActionHandler = (action, event) => latest.current(action, event)
    handlers.push(entry)
    return () => {
      const at = handlers.indexOf(entry)
      if (at >= 0) handlers.splice(at, 1)
    }
  }, [])
}
