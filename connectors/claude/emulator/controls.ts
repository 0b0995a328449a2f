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

export interface EmulatorKnobs extends FaultKnobs {
  /** Analytics requests admitted per organization per sliding minute (vendor: 60); null = unlimited. */
  analyticsRateLimitPerMinute: number | null;
  /** `/analytics/summaries` envelope: `{summaries}` (2026-08-22 reference) or `{data, next_page}` (newer SDK). */
  summariesEnvelope: SummariesEnvelope;
}

export const DEFAULT_KNOBS: Readonly<EmulatorKnobs> = Object.freeze({
  ...FAULT_DEFAULTS,
  analyticsRateLimitPerMinute: 60,
  summariesEnvelope: 'summaries',
});

export const KNOB_SPECS: KnobSpecs = {
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

  override reset(): void {
    super.reset();
    this.analyticsWindow.clear();
  }
}

/** Validates a JSON body for `POST /__emulator/controls`; unknown fields are rejected to catch typos. */
export function parseKnobPatch(body: unknown): KnobPatchResult<EmulatorKnobs> {
  return parseKnobs<EmulatorKnobs>({ ...FAULT_KNOB_SPECS, ...KNOB_SPECS }, body);
}
