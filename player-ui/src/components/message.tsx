/** A problem told to the viewer in words, with what they can do about it. */
export function Problem ({ title, message }: { title: string, message: string }) {
  return (
    <section class='problem' role='alert'>
      <h2 class='problem__title'>{title}</h2>
      <p class='problem__message'>{message}</p>
    </section>
  )
}

/** The spinning ring with the reason playback is waiting. */
export function Spinner ({ reason }: { reason: string }) {
  return (
    <div class='spinner' role='status'>
      <div class='spinner__ring' aria-hidden='true' />
      <p class='spinner__reason'>{reason}</p>
    </div>
  )
}
