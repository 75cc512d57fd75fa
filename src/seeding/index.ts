/**
 * Seeding policy: the box shares only inside the viewer's budget, never while the film on
 * screen needs the line, and keeps the data dir under its cap. Public face of src/seeding/.
 */
export { createSeedingPolicy, type SeedingEngine, type SeedingPolicy, type SeedingPolicyComponents, type SeedingPolicyInit, type SharingView } from './seeding-policy.js'
export { BandwidthBudget, covers, type AllowanceReason, type BudgetState, type UploadAllowance } from './bandwidth-budget.js'
export { IdleDetector, type Presence, type PresenceSignals } from './idle-detector.js'
export { ShareAccounting, type ShareSnapshot, type UploadCounter } from './share-accounting.js'
export { capBytesOf, planEviction, type EvictionInput, type EvictionPlan, type StoredTitle } from './eviction-plan.js'
export { SettingsStore } from './settings-store.js'
export { DEFAULT_SETTINGS, defaultSettings, mergeSettings, type DiskCap, type Rate, type SeedingSettings, type TimeWindow } from './settings.js'
