/**
 * Fault knobs: the kit's (queued 429/5xx, delay, malformed bodies, looping and expiring cursors,
 * failing after N requests) plus the Analytics API's own. Tests flip them in-process
 * (`controls.fail429 = 2`) or over HTTP (`POST /__emulator/controls`). 5xx faults alternate 500
 * api_error and 529 overloaded_error, as the vendor's do. Cursor expiry applies to analytics routes.
 */
import {
  FAULT_DEFAULTS,
  FAULT_KNOB_SPECS,
  FaultControls,
  type FaultKnobs,
} from '../../../src/emulator-kit/controls.js';
import {
  parseKnobPatch as parseKnobs,
  type KnobPatchResult,
  type KnobSpecs,
} from '../../../src/emulator-kit/knobs.js';
import { SlidingWindowLimiter } from '../../../src/emulator-kit/rate-limit.js';

export type { Fault } from '../../../src/emulator-kit/controls.js';

export type SummariesEnvelope = 'summaries' | 'data';

export interface EmulatorKnobs extends Omit<FaultKnobs, 'loopPaging' | 'expireTokens'> {
  /** While true, `next_page` echoes the same cursor and `has_more` stays true forever (the kit's loopPaging). */
  loopCursor: boolean;
  /** The next N analytics requests that carry a valid cursor answer 410 (the kit's expireTokens). */
  expireCursors: number;
  /** Analytics requests admitted per organization per sliding minute (vendor: 60); null = unlimited. */
  analyticsRateLimitPerMinute: number | null;
  /** `/analytics/summaries` envelope: `{summaries}` (2026-08-22 reference) or `{data, next_page}` (newer SDK). */
  summariesEnvelope: SummariesEnvelope;
}

const { loopPaging, expireTokens, ...faults } = FAULT_DEFAULTS;

export const DEFAULT_KNOBS: Readonly<EmulatorKnobs> = Object.freeze({
  ...faults,
  loopCursor: loopPaging,
  expireCursors: expireTokens,
  analyticsRateLimitPerMinute: 60,
  summariesEnvelope: 'summaries',
});

const { loopPaging: loopSpec, expireTokens: expireSpec, ...faultSpecs } = FAULT_KNOB_SPECS;

/** Every knob `POST /__emulator/controls` accepts, under the names this emulator's clients use. */
export const KNOB_SPECS: KnobSpecs = {
  ...faultSpecs,
  loopCursor: loopSpec!,
  expireCursors: expireSpec!,
  analyticsRateLimitPerMinute: { type: 'count', nullable: true },
  summariesEnvelope: { type: 'oneOf', values: ['summaries', 'data'] },
};

export class EmulatorControls extends FaultControls<EmulatorKnobs> implements EmulatorKnobs {
  analyticsRateLimitPerMinute = DEFAULT_KNOBS.analyticsRateLimitPerMinute;
  summariesEnvelope = DEFAULT_KNOBS.summariesEnvelope;
  /** The analytics rate-limit window (the vendor documents a rolling minute); `reset()` empties it. */
  readonly analyticsWindow = new SlidingWindowLimiter(60_000);

  constructor(initial: Partial<EmulatorKnobs> = {}) {
    super({ defaults: DEFAULT_KNOBS, serverErrorStatuses: [500, 529] });
    this.set(initial);
  }

  get loopCursor(): boolean {
    return this.loopPaging;
  }
  set loopCursor(on: boolean) {
    this.loopPaging = on;
  }
  get expireCursors(): number {
    return this.expireTokens;
  }
  set expireCursors(n: number) {
    this.expireTokens = n;
  }

  /** Consumes one queued cursor expiry, if any. */
  takeCursorExpiry(): boolean {
    return this.takeTokenExpiry();
  }

  override reset(): void {
    super.reset();
    this.analyticsWindow.clear();
  }
}

/** Validates a JSON body for `POST /__emulator/controls`; unknown fields are rejected to catch typos. */
export function parseKnobPatch(body: unknown): KnobPatchResult<EmulatorKnobs> {
  return parseKnobs<EmulatorKnobs>(KNOB_SPECS, body);
}
