/**
 * The settings screen's data: `GET /api/sharing` every 2 s, and budget edits saved by
 * `PUT /api/settings`. An edit shows at once as a draft; DEBOUNCE_MS after the last press the
 * drafts go out in one PUT, and the screen then shows the budget the box answered (or its
 * error, and the saved value again). Saves run one after another in the order made. A poll
 * sent while a save was on its way may carry the old budget, so its budget is not taken.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, ApiError, viewerMessage, type BudgetPatch, type Sharing, type SharingBudget } from '../api.js'

const REFRESH_MS = 2000
const DEBOUNCE_MS = 400

export type SaveState =
  | { state: 'idle' }
  | { state: 'saving' }
  | { state: 'saved' }
  | { state: 'failed', message: string }

export interface SharingBudgetEditor {
  sharing: Sharing | undefined
  /** The saved budget with the drafts not saved yet on top; undefined until the first answer. */
  budget: SharingBudget | undefined
  /** Why the box could not be read, while it cannot. */
  loadError: string | undefined
  save: SaveState
  /** Applies `edit` to the budget as shown now (drafts included) and saves its patch soon. */
  edit: (edit: (budget: SharingBudget) => BudgetPatch | undefined) => void
}

/** Words for a failed save: a refusal quotes the box, which names the field and what it wants. */
function saveFailure (err: unknown): string {
  if (err instanceof ApiError && err.code === 'REEL_ERR_BAD_REQUEST') return `The box did not take this change: ${err.message}`
  return `Not saved: ${viewerMessage(err)}`
}

/** Words for a failed read: a box whose seeding policy is off has no sharing routes at all. */
function loadFailure (err: unknown): string {
  if (err instanceof ApiError && err.status === 404) return 'This box does not share: sharing is turned off in its configuration.'
  return viewerMessage(err)
}

/** `drafts` without the entries `sent` carried, unless they were changed again since. */
function withoutSent (drafts: BudgetPatch, sent: BudgetPatch): BudgetPatch {
  const left: Record<string, unknown> = { ...drafts }
  for (const [key, value] of Object.entries(sent)) if (left[key] === value) delete left[key]
  return left as BudgetPatch
}

export function useSharingBudget (): SharingBudgetEditor {
  const [sharing, setSharing] = useState<Sharing | undefined>(undefined)
  const [saved, setSaved] = useState<SharingBudget | undefined>(undefined)
  const [drafts, setDrafts] = useState<BudgetPatch>({})
  const [loadError, setLoadError] = useState<string | undefined>(undefined)
  const [save, setSave] = useState<SaveState>({ state: 'idle' })
  // Refs mirror what the key handler and timers need between renders.
  const savedRef = useRef<SharingBudget | undefined>(undefined)
  const draftsRef = useRef<BudgetPatch>({})
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const queue = useRef<Promise<void>>(Promise.resolve())
  const saves = useRef({ started: 0, settled: 0 })
  const live = useRef(true)
  const pollNow = useRef<() => void>(() => {})

  const keepSaved = (budget: SharingBudget): void => { savedRef.current = budget; setSaved(budget) }
  const keepDrafts = (next: BudgetPatch): void => { draftsRef.current = next; if (live.current) setDrafts(next) }

  useEffect(() => {
    live.current = true
    const poll = (): void => {
      const startedBefore = saves.current.started
      const quiet = saves.current.settled === startedBefore
      api.sharing().then(view => {
        if (!live.current) return
        setSharing(view)
        setLoadError(undefined)
        if (quiet && saves.current.started === startedBefore) keepSaved(view.budget)
      }).catch(err => { if (live.current) setLoadError(loadFailure(err)) })
    }
    pollNow.current = poll
    poll()
    const refresh = setInterval(poll, REFRESH_MS)
    return () => {
      live.current = false
      clearInterval(refresh)
      // Leaving within the debounce: the last press still reaches the box.
      if (timer.current !== undefined) { clearTimeout(timer.current); flush(true) }
    }
  }, [])

  /** Sends the drafts as they are when the queue reaches this save. */
  const flush = (keepalive = false): void => {
    timer.current = undefined
    if (Object.keys(draftsRef.current).length === 0) return
    saves.current.started++
    if (live.current) setSave({ state: 'saving' })
    queue.current = queue.current.then(async () => {
      const patch = draftsRef.current
      try {
        if (Object.keys(patch).length === 0) return
        const budget = await api.updateBudget(patch, keepalive)
        if (!live.current) return
        keepSaved(budget)
        setSave({ state: 'saved' })
        pollNow.current()
      } catch (err) {
        if (live.current) setSave({ state: 'failed', message: saveFailure(err) })
      } finally {
        saves.current.settled++
        keepDrafts(withoutSent(draftsRef.current, patch))
      }
    })
  }

  const edit: SharingBudgetEditor['edit'] = makePatch => {
    const current = savedRef.current
    if (current === undefined) return
    const patch = makePatch({ ...current, ...draftsRef.current })
    if (patch === undefined) return
    keepDrafts({ ...draftsRef.current, ...patch })
    clearTimeout(timer.current)
    timer.current = setTimeout(flush, DEBOUNCE_MS)
  }

  return {
    sharing,
    budget: saved === undefined ? undefined : { ...saved, ...drafts },
    loadError,
    save: Object.keys(drafts).length > 0 && save.state !== 'failed' ? { state: 'saving' } : save,
    edit
  }
}
