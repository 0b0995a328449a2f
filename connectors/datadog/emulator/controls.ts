/**
 * Fault knobs (the kit's) plus Datadog's own: the rate limit per org and period, and a cap on the
 * records a page holds below what `page[limit]` asks (a vendor free to answer shorter pages), so
 * tests can make a range span many pages. The limiter is Datadog's: calendar-aligned windows of
 * `rateLimitPeriodSeconds`, reported in `X-RateLimit-*` headers on every answer.
 */
import {
  FAULT_DEFAULTS,
  FAULT_KNOB_SPECS,
  FaultControls,
  type FaultKnobs,
} from '../../../src/emulator-kit/controls.js';
import type { KnobSpecs } from '../../../src/emulator-kit/knobs.js';
import type { Admission, RateLimiter } from '../../../src/emulator-kit/rate-limit.js';

export interface DatadogKnobs extends FaultKnobs {
  /** Requests per org and period before a 429; null = unlimited. */
  rateLimitPerPeriod: number | null;
  /** Length of the calendar-aligned rate-limit window, in seconds. */
  rateLimitPeriodSeconds: number;
  /** At most this many records per page of hourly usage, whatever page[limit] asks; null = no cap. */
  maxPageRecords: number | null;
}

export const DEFAULT_KNOBS: Readonly<DatadogKnobs> = Object.freeze({
  ...FAULT_DEFAULTS,
  rateLimitPerPeriod: 600,
  rateLimitPeriodSeconds: 60,
  maxPageRecords: null,
});

export const KNOB_SPECS: KnobSpecs = {
  ...FAULT_KNOB_SPECS,
  rateLimitPerPeriod: { type: 'count', nullable: true },
  rateLimitPeriodSeconds: { type: 'count', max: 3600 },
  maxPageRecords: { type: 'count', nullable: true },
};

/**
 * Fixed windows aligned to the clock (`X-RateLimit-Period` seconds, as Datadog's are), counted per
 * key; `X-RateLimit-Reset` is the seconds left in the current window.
 */
export class FixedWindowLimiter implements RateLimiter {
  readonly #counts = new Map<string, { window: number; count: number }>();

  constructor(private readonly periodMs: () => number) {}

  resetSeconds(nowMs: number): number {
    const period = this.periodMs();
    return Math.max(1, Math.ceil((Math.floor(nowMs / period) * period + period - nowMs) / 1000));
  }

  admit(key: string, nowMs: number, limit: number): Admission {
    const window = Math.floor(nowMs / this.periodMs());
    const entry = this.#counts.get(key);
    const count = entry && entry.window === window ? entry.count : 0;
    if (count >= limit)
      return { ok: false, limit, remaining: 0, retryAfterSeconds: this.resetSeconds(nowMs) };
    this.#counts.set(key, { window, count: count + 1 });
    return { ok: true, limit, remaining: limit - count - 1, retryAfterSeconds: 0 };
  }

  clear(): void {
    this.#counts.clear();
  }
}

export class DatadogControls extends FaultControls<DatadogKnobs> implements DatadogKnobs {
  rateLimitPerPeriod = DEFAULT_KNOBS.rateLimitPerPeriod;
  rateLimitPeriodSeconds = DEFAULT_KNOBS.rateLimitPeriodSeconds;
  maxPageRecords = DEFAULT_KNOBS.maxPageRecords;
  readonly limiter = new FixedWindowLimiter(() => Math.max(1, this.rateLimitPeriodSeconds) * 1000);

  constructor(initial: Partial<DatadogKnobs> = {}) {
    super({ defaults: DEFAULT_KNOBS, serverErrorStatuses: [500, 503] });
    this.set(initial);
  }

  /** The next request will answer a queued 429 (the kit serves queued 429s before 5xx). */
  queued429(): boolean {
    const failing = this.failAfterRequests !== null && this.requests > this.failAfterRequests;
    return !failing && this.fail429 > 0;
  }

  override reset(): void {
    super.reset();
    this.limiter.clear();
  }
}
