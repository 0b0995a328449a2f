/** The vendor-neutral emulator kit: see README.md for how a vendor emulator is built from it. */
export {
  buildEmulator,
  listen,
  route,
  type EmulatorSpec,
  type RouteFamily,
  type RouteSpec,
  type RouteContext,
  type RouteHandler,
  type RateLimitRule,
  type FaultError,
  type Listening,
} from './pipeline.js';
export { checkAuth, basicAuthorization, type AuthRule, type Credentials, type Denial } from './auth.js';
export {
  FaultControls,
  FAULT_DEFAULTS,
  FAULT_KNOB_SPECS,
  MAX_DELAY_MS,
  type FaultKnobs,
  type Fault,
  type FaultControlsOptions,
} from './controls.js';
export { parseKnobPatch, type KnobSpec, type KnobSpecs, type KnobPatchResult } from './knobs.js';
export {
  EmulatorError,
  badRequest,
  kindOfStatus,
  randomId,
  type ErrorKind,
  type ErrorInfo,
  type ErrorTemplate,
} from './errors.js';
export {
  QueryReader,
  DEFAULT_QUERY_MESSAGES,
  type RawQuery,
  type ArrayStyle,
  type QueryMessages,
  type QueryOptions,
} from './query.js';
export { tokenCodec, isOffset, type TokenCodec, type TokenFormat } from './tokens.js';
export { pageBounds, numberedPage, type PageBounds, type NumberedPage } from './paging.js';
export { TokenBucketLimiter, SlidingWindowLimiter, type Admission, type RateLimiter } from './rate-limit.js';
export { Rng, hashString, mulberry32, stableInt } from './prng.js';
export { recordsOnDay, type Scale } from './scale.js';
export { LruCache } from './lru.js';
export * from './dates.js';
export * from './decimal.js';
