/**
 * The emulator's knobs: the kit's faults (queued 429/5xx, delay, malformed bodies, a looping
 * `metadata.next`, failing after N requests) plus Confluent's own: the request rate per minute,
 * the date style of cost lines, and a cap on items per page (the spec's unexplained
 * `x-max-page-items`), so paging through `metadata.next` can be exercised with small data.
 */
import {
  FAULT_DEFAULTS,
  FAULT_KNOB_SPECS,
  FaultControls,
  type FaultKnobs,
} from '../../../src/emulator-kit/controls.js';
import type { KnobSpecs } from '../../../src/emulator-kit/knobs.js';
import { TokenBucketLimiter } from '../../../src/emulator-kit/rate-limit.js';

/** `date`: `2026-03-04` (the spec); `datetime`: `2026-03-04 00:00:00` (the official CLI's test server). */
export type DateStyle = 'date' | 'datetime';

export interface ConfluentKnobs extends FaultKnobs {
  /** Requests admitted per minute per organisation (not published by Confluent); null = unlimited. */
  rateLimitPerMinute: number | null;
  dateStyle: DateStyle;
  /** Items per page at most, whatever page_size says; null = page_size decides. */
  maxPageItems: number | null;
}

export const DEFAULT_KNOBS: Readonly<ConfluentKnobs> = Object.freeze({
  ...FAULT_DEFAULTS,
  rateLimitPerMinute: 600,
  dateStyle: 'date',
  maxPageItems: null,
});

export const KNOB_SPECS: KnobSpecs = {
  ...FAULT_KNOB_SPECS,
  rateLimitPerMinute: { type: 'count', nullable: true },
  dateStyle: { type: 'oneOf', values: ['date', 'datetime'] },
  maxPageItems: { type: 'count', nullable: true },
};

export class ConfluentControls extends FaultControls<ConfluentKnobs> implements ConfluentKnobs {
  rateLimitPerMinute = DEFAULT_KNOBS.rateLimitPerMinute;
  dateStyle: DateStyle = DEFAULT_KNOBS.dateStyle;
  maxPageItems = DEFAULT_KNOBS.maxPageItems;
  /** Per-organisation request budget, refilled over a minute of real time; `reset()` empties it. */
  readonly limiter = new TokenBucketLimiter(60_000);
  /** Requests per route path since the last reset (the kit counts them all together). */
  readonly byPath = new Map<string, number>();

  constructor(initial: Partial<ConfluentKnobs> = {}) {
    super({ defaults: DEFAULT_KNOBS, serverErrorStatuses: [500, 503] });
    this.set(initial);
  }

  count(path: string): void {
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + 1);
  }

  override reset(): void {
    super.reset();
    this.limiter.clear();
    this.byPath.clear();
  }
}
