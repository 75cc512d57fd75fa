/**
 * A title: poster, name, what the box knows of the video, and Play or Resume. The media info
 * is fetched here so a file that is not a film, is damaged or uses a codec this TV cannot
 * decode is explained before the viewer presses Play.
 */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks'
import { api, viewerMessage, type MediaInfo, type Title } from '../api.js'
import { Problem } from '../components/message.js'
import { Bar, Poster } from '../components/poster.js'
import { bytes, clock, percent } from '../format.js'
import { focusFirst } from '../remote.js'
import { back, navigate } from '../router.js'

/** A position worth resuming from: not the first seconds, not the credits. */
export function resumable (title: Title, info: MediaInfo | undefined): boolean {
  const end = info?.durationSeconds ?? Infinity
  return title.lastPositionSeconds >= 10 && title.lastPositionSeconds < end - 30
}

function describe (info: MediaInfo): string {
  const parts = [clock(info.durationSeconds), `${info.video.width}×${info.video.height}`, info.video.codec.toUpperCase()]
  if (info.audio !== null) parts.push(`${info.audio.codec.toUpperCase()} ${info.audio.channels === 6 ? '5.1' : info.audio.channels === 2 ? 'stereo' : `${info.audio.channels} ch`}`)
  return parts.join(' · ')
}

export function Detail ({ id }: { id: string }) {
  const [title, setTitle] = useState<Title | undefined>(undefined)
  const [info, setInfo] = useState<MediaInfo | undefined>(undefined)
  const [problem, setProblem] = useState<{ heading: string, message: string } | undefined>(undefined)

  useEffect(() => {
    let stopped = false
    api.title(id).then(found => {
      if (stopped) return
      setTitle(found)
      if (!found.playable) {
        setProblem({ heading: 'This is not a film', message: found.notice ?? 'This file is not a video.' })
        return
      }
      api.mediaInfo(found)
        .then(media => { if (!stopped) setInfo(media) })
        .catch(err => { if (!stopped) setProblem({ heading: 'This film cannot play', message: viewerMessage(err) }) })
    }).catch(err => {
      if (!stopped) setProblem({ heading: 'Film not found', message: viewerMessage(err) })
    })
    return () => { stopped = true }
  }, [id])

  const canPlay = title !== undefined && problem === undefined
  const resume = canPlay && resumable(title, info)
  useLayoutEffect(() => { focusFirst() }, [title === undefined, canPlay, resume])

  const play = (from: number): void => { navigate({ screen: 'play', id, from }, { replace: true }) }

  return (
    <main class='screen detail'>
      {title !== undefined && <Poster title={title} />}
      <section class='detail__body'>
        <h1 class='detail__name'>{title?.name ?? (problem === undefined ? 'Loading…' : '')}</h1>
        {title !== undefined && (
          <p class='detail__facts'>
            {info === undefined ? (problem === undefined && title.playable ? 'Reading the film…' : bytes(title.lengthBytes)) : describe(info)}
            {info?.audioTranscoded === true && ' · sound converted for this TV'}
          </p>
        )}
        {title !== undefined && title.playable && title.progress < 1 && (
          <div class='detail__download'>
            <span>{`Downloaded ${percent(title.progress)} — playback starts while the rest arrives`}</span>
            <Bar value={title.progress} label='downloaded' />
          </div>
        )}
        {problem !== undefined && <Problem title={problem.heading} message={problem.message} />}
        <div class='actions'>
          {resume && title !== undefined && (
            <button type='button' class='action' data-nav='' data-action='resume' onClick={() => { play(title.lastPositionSeconds) }}>
              {`Resume from ${clock(title.lastPositionSeconds)}`}
            </button>
          )}
          {canPlay && (
            <button type='button' class='action' data-nav='' data-action='play' onClick={() => { play(0) }}>
              {resume ? 'Play from the start' : 'Play'}
            </button>
          )}
          <button type='button' class='action action--quiet' data-nav='' data-action='back' onClick={back}>Back to films</button>
        </div>
      </section>
    </main>
  )
}
