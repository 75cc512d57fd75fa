/**
 * Public face of the piece picker: pure block selection behind a read-only mediator.
 * The engine feeds it availability and block events and asks `next(peer, n, context)` for
 * requests; deadlines come from the mediator, the clock and peer rates from the context.
 */
export { PiecePicker } from './picker.js'
export { NEARLY_DONE } from './piece-deadlines.js'
export { CLEARLY_SOONER } from './deadline-race.js'
export { BLOCK_BYTES, DEFAULT_PRIORITY } from './types.js'
export type { BlockRequest, PeerSnapshot, PickContext, PickerInit, PickerMediator, StaleRequest } from './types.js'
