/**
 * Sharing and its budget: what the box shared today and this month, its upload rate and peers
 * now, why uploads are at their level, and the budget the viewer sets with the remote
 * (▲ ▼ pick a row, ◀ ▶ change its value, OK pauses or resumes sharing). Changes save on their
 * own; the rows show what the box saved. Time windows are shown, not edited: a D-pad is no way
 * to type times (they are set through `PUT /api/settings`).
 */
import { useLayoutEffect } from 'preact/hooks'
import type { Rate, Sharing, SharingBudget } from '../api.js'
import { Bar } from '../components/poster.js'
import { budgetBytes, uploadRate } from '../format.js'
import { focusFirst, useRemote } from '../remote.js'
import { back } from '../router.js'
import { allowanceText, idleAgainText } from '../sharing/allowance-text.js'
import { isLadderKey, LADDERS, pressOn, stepFrom, type LadderKey } from '../sharing/budget-ladders.js'
import { useSharingBudget, type SaveState } from '../sharing/use-sharing-budget.js'

const ROWS: readonly LadderKey[] = ['idleRate', 'watchingRate', 'monthlyCap']

function saveStatus (save: SaveState): string {
  switch (save.state) {
    case 'saving': return 'Saving…'
    case 'saved': return 'Saved'
    case 'failed': return 'Not saved'
    case 'idle': return ''
  }
}

/** A row's value between the arrows that change it; an arrow fades where its end is reached. */
function SettingValue ({ label, lower, higher }: { label: string, lower: boolean, higher: boolean }) {
  return (
    <span class='setting__value'>
      <span class={`setting__arrow${lower ? '' : ' setting__arrow--end'}`} aria-hidden='true'>◀</span>
      <span data-testid='value'>{label}</span>
      <span class={`setting__arrow${higher ? '' : ' setting__arrow--end'}`} aria-hidden='true'>▶</span>
    </span>
  )
}

function LadderRow ({ setting, value }: { setting: LadderKey, value: Rate }) {
  const ladder = LADDERS[setting]
  return (
    <li>
      <button type='button' class='setting' data-nav='' data-setting={setting}>
        <span class='setting__name'>{ladder.name}</span>
        <SettingValue label={ladder.label(value)} lower={stepFrom(ladder.steps, value, -1) !== value} higher={stepFrom(ladder.steps, value, 1) !== value} />
      </button>
    </li>
  )
}

/** The pause switch: OK flips it; ◀ turns it off and ▶ on, like a two-step ladder. */
function PauseRow ({ paused, toggle }: { paused: boolean, toggle: () => void }) {
  return (
    <li>
      <button type='button' class={`setting${paused ? ' setting--on' : ''}`} data-nav='' data-setting='paused' aria-pressed={paused} onClick={toggle}>
        <span class='setting__name'>Pause sharing</span>
        <SettingValue label={paused ? 'On: nothing is shared' : 'Off'} lower={paused} higher={!paused} />
      </button>
    </li>
  )
}

function Accounts ({ sharing }: { sharing: Sharing }) {
  const cap = sharing.monthlyCap
  return (
    <section class='settings__panel' aria-label='what this box shared'>
      <h2 class='settings__heading'>Shared</h2>
      <dl class='facts'>
        <dt>Today</dt>
        <dd data-testid='shared-today'>{budgetBytes(sharing.sharedToday)}</dd>
        <dt>This month</dt>
        <dd data-testid='shared-month'>{cap === null ? budgetBytes(sharing.sharedThisMonth) : `${budgetBytes(sharing.sharedThisMonth)} of ${budgetBytes(cap)}`}</dd>
        <dt>Uploading now</dt>
        <dd data-testid='rate'>{uploadRate(sharing.rate)}</dd>
        <dt>Peers served</dt>
        <dd data-testid='peers'>{`${sharing.peersServing} now · ${sharing.peersServedToday} today`}</dd>
      </dl>
      {cap !== null && cap > 0 && <Bar value={sharing.sharedThisMonth / cap} label='monthly limit used' />}
    </section>
  )
}

function Windows ({ windows }: { windows: SharingBudget['windows'] }) {
  if (windows.length === 0) return null
  return (
    <section class='settings__panel' aria-label='time windows'>
      <h2 class='settings__heading'>Time windows</h2>
      <ul class='settings__windows'>
        {windows.map(w => (
          <li key={`${w.start}-${w.end}`}>{`${w.start}–${w.end}: ${LADDERS.idleRate.label(w.rate)}`}</li>
        ))}
      </ul>
      <p class='hint'>Set from a computer; while idle they replace the idle limit.</p>
    </section>
  )
}

export function Settings () {
  const { sharing, budget, loadError, save, edit } = useSharingBudget()
  const loaded = budget !== undefined
  // Back to films until the budget arrives, then its first row.
  useLayoutEffect(() => { focusFirst('[data-setting]') }, [loaded])

  const togglePause = (): void => { edit(current => ({ paused: !current.paused })) }

  useRemote(action => {
    if (action !== 'left' && action !== 'right') return false
    const setting = (document.activeElement as HTMLElement | null)?.dataset.setting
    const direction = action === 'left' ? -1 : 1
    if (setting === 'paused') {
      edit(current => current.paused === (direction > 0) ? undefined : { paused: direction > 0 })
      return true
    }
    if (!isLadderKey(setting)) return false
    edit(current => pressOn(setting, current[setting], direction))
    return true
  })

  return (
    <main class='screen settings'>
      <header class='settings__header'>
        <h1 class='brand'>Sharing</h1>
        <button type='button' class='action action--quiet settings__back' data-nav='' data-action='back' onClick={back}>Back to films</button>
      </header>
      {loadError !== undefined && <p class='banner banner--error' role='alert'>{loadError}</p>}
      {sharing !== undefined && (
        <div class='settings__reason'>
          <p data-testid='allowance'>{allowanceText(sharing)}</p>
          {idleAgainText(sharing) !== undefined && <p class='hint'>{idleAgainText(sharing)}</p>}
        </div>
      )}
      {budget === undefined && loadError === undefined && <p class='hint'>Reading the sharing budget…</p>}
      {budget !== undefined && sharing !== undefined && (
        <div class='settings__columns'>
          <div class='settings__column'>
            <Accounts sharing={sharing} />
            <Windows windows={budget.windows} />
          </div>
          <section class='settings__panel' aria-label='upload limits'>
            <div class='settings__panel-head'>
              <h2 class='settings__heading'>Upload limits</h2>
              <p class='settings__status' data-testid='save-status' data-state={save.state} role='status'>{saveStatus(save)}</p>
            </div>
            <ul class='settings__rows'>
              {ROWS.map(key => <LadderRow key={key} setting={key} value={budget[key]} />)}
              <PauseRow paused={budget.paused} toggle={togglePause} />
            </ul>
            {save.state === 'failed'
              ? <p class='banner banner--error' role='alert' data-testid='save-error'>{save.message}</p>
              : <p class='hint'>▲ ▼ choose · ◀ ▶ change · OK pause / resume</p>}
          </section>
        </div>
      )}
    </main>
  )
}
