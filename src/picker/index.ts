/**
 * Public face of the piece picker: pure block selection behind a read-only mediator.
 * The engine feeds it availability and block events and asks `next(peer, n)` for requests.
 */
export { PiecePicker } from './picker.js'
export type { BlockRequest, PickerInit, PickerMediator } from './types.js'
