/**
 * Rental's public face. For now: the catalog of titles on this box, the watch history behind
 * "Resume", and the player's presence; licences and device identity arrive with the rental issue.
 */
export { createCatalog, humanName, isVideoPath, parseTitleId, titleId, type Catalog, type CatalogComponents, type Title } from './catalog.js'
export {
  createWatchHistory, PlayerPresence, WATCH_HISTORY_FILE,
  type PlayerState, type WatchHistory, type WatchHistoryInit, type WatchRecord
} from './watch-history.js'
export { openingBytes, OPENING_GUESS_BYTES, TitlePrefetch, type TitlePrefetchComponents } from './title-prefetch.js'
