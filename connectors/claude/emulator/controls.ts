/**
 * Fault knobs. Tests flip them in-process (`controls.fail429 = 2`) or over HTTP
 * (`POST /__emulator/controls`); both paths end up on the same object. The fault knobs apply to every
 * vendor route (Claude Code, Messages usage, cost, users, Analytics); the analytics knobs only there.
 */
import { SlidingWindowLimiter, type Admission } from './rate-limit.js';

export type SummariesEnvelope = 'summaries' | 'data';

export interface EmulatorKnobs {
  /** The next N report requests answer 429 rate_limit_error. */
  fail429: number;
  /** `retry-after` seconds on those 429s (default 1, so retrying tests stay fast); null sends no header (like a spend-cap 429). */
  retryAfterSeconds: number | null;
  /** The next N report requests answer 500 api_error and 529 overloaded_error, alternating. */
  fail5xx: number;
  /** Every report request waits this long before answering. */
  delayMs: number;
  /** The next N successful report responses are 200 with truncated, unparseable JSON. */
  malformed: number;
  /** While true, `next_page` echoes the same cursor and `has_more` stays true forever. */
  loopCursor: boolean;
  /** When set, every report request after this many (counted in `requests`) answers 500: a vendor failing mid-range. */
  failAfterRequests: number | null;
  /** Analytics requests admitted per organization per sliding minute (vendor: 60); null = unlimited. */
  analyticsRateLimitPerMinute: number | null;
  /** The next N analytics requests that carry a valid cursor answer 410 (expired after a data refresh). */
  expireCursors: number;
  /** `/analytics/summaries` envelope: `{summaries}` (2026-08-22 reference) or `{data, next_page}` (newer SDK). */
  summariesEnvelope: SummariesEnvelope;
}

export const DEFAULT_KNOBS: Readonly<EmulatorKnobs> = Object.freeze({
  fail429: 0,
  retryAfterSeconds: 1,
  fail5xx: 0,
  delayMs: 0,
  malformed: 0,
  loopCursor: false,
  failAfterRequests: null,
  analyticsRateLimitPerMinute: 60,
  expireCursors: 0,
  summariesEnvelope: 'summaries',
});

export type Fault = { status: 429; retryAfterSeconds: number | null } | { status: 500 | 529 };

export class EmulatorControls implements EmulatorKnobs {
  fail429 = DEFAULT_KNOBS.fail429;
  retryAfterSeconds = DEFAULT_KNOBS.retryAfterSeconds;
  fail5xx = DEFAULT_KNOBS.fail5xx;
  delayMs = DEFAULT_KNOBS.delayMs;
  malformed = DEFAULT_KNOBS.malformed;
  loopCursor = DEFAULT_KNOBS.loopCursor;
  failAfterRequests = DEFAULT_KNOBS.failAfterRequests;
  analyticsRateLimitPerMinute = DEFAULT_KNOBS.analyticsRateLimitPerMinute;
  expireCursors = DEFAULT_KNOBS.expireCursors;
  summariesEnvelope = DEFAULT_KNOBS.summariesEnvelope;
  /** Requests that reached a vendor endpoint (any outcome), for counting upstream calls. */
  requests = 0;
  /** The analytics rate-limit window; lives here so `reset()` empties it between tests. */
  readonly #analyticsWindow = new SlidingWindowLimiter(60_000);
  /** Position in the 500/529 alternation; back to 500 whenever the fail5xx run ends. */
  #served5xx = 0;

  constructor(initial: Partial<EmulatorKnobs> = {}) {
    this.set(initial);
  }

  set(patch: Partial<EmulatorKnobs>): void {
    Object.assign(this, patch);
  }

  /** Knobs back to defaults and the request counter to zero. */
  reset(): void {
    this.set(DEFAULT_KNOBS);
    this.requests = 0;
    this.#served5xx = 0;
    this.#analyticsWindow.clear();
  }

  snapshot(): EmulatorKnobs & { requests: number } {
    const { fail429, retryAfterSeconds, fail5xx, delayMs, malformed, loopCursor, failAfterRequests } = this;
    const { analyticsRateLimitPerMinute, expireCursors, summariesEnvelope, requests } = this;
    return {
      fail429,
      retryAfterSeconds,
      fail5xx,
      delayMs,
      malformed,
      loopCursor,
      failAfterRequests,
      analyticsRateLimitPerMinute,
      expireCursors,
      summariesEnvelope,
      requests,
    };
  }

  /** Counts an analytics request against the organization's per-minute budget (real time, not `now`). */
  admitAnalytics(orgId: string, nowMs: number): Admission {
    if (this.analyticsRateLimitPerMinute === null) return { ok: true };
    return this.#analyticsWindow.admit(orgId, nowMs, this.analyticsRateLimitPerMinute);
  }

  /** Consumes one queued cursor expiry, if any. */
  takeCursorExpiry(): boolean {
    if (this.expireCursors <= 0) return false;
    this.expireCursors--;
    return true;
  }

  /** Consumes one queued 429 or 5xx, if any (429s first). */
  takeFault(): Fault | null {
    if (this.failAfterRequests !== null && this.requests > this.failAfterRequests) return { status: 500 };
    if (this.fail429 > 0) {
      this.fail429--;
      return { status: 429, retryAfterSeconds: this.retryAfterSeconds };
    }
    if (this.fail5xx > 0) {
      this.fail5xx--;
      const status = this.#served5xx % 2 === 0 ? 500 : 529;
      this.#served5xx = this.fail5xx === 0 ? 0 : this.#served5xx + 1;
      return { status };
    }
    return null;
  }

  takeMalformed(): boolean {
    if (this.malformed <= 0) return false;
    this.malformed--;
    return true;
  }
}

const COUNT_KNOBS = ['fail429', 'fail5xx', 'delayMs', 'malformed', 'expireCursors'] as const;
const MAX_DELAY_MS = 120_000;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Validates a JSON body for `POST /__emulator/controls`; unknown fields are rejected to catch typos. */
export function parseKnobPatch(
  body: unknown,
): { ok: true; patch: Partial<EmulatorKnobs> } | { ok: false; message: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'body must be a JSON object' };
  }
  const patch: Partial<EmulatorKnobs> = {};
  for (const [key, value] of Object.entries(body)) {
    if ((COUNT_KNOBS as readonly string[]).includes(key)) {
      if (!isCount(value)) return { ok: false, message: `${key} must be a non-negative integer` };
      if (key === 'delayMs' && value > MAX_DELAY_MS) {
        return { ok: false, message: `delayMs must be at most ${MAX_DELAY_MS}` };
      }
      patch[key as (typeof COUNT_KNOBS)[number]] = value;
    } else if (key === 'retryAfterSeconds') {
      if (value !== null && !isCount(value)) {
        return { ok: false, message: 'retryAfterSeconds must be a non-negative integer or null' };
      }
      patch.retryAfterSeconds = value;
    } else if (key === 'failAfterRequests') {
      if (value !== null && !isCount(value))
        return { ok: false, message: 'failAfterRequests must be a non-negative integer or null' };
      patch.failAfterRequests = value;
    } else if (key === 'analyticsRateLimitPerMinute') {
      if (value !== null && !isCount(value)) {
        return { ok: false, message: 'analyticsRateLimitPerMinute must be a non-negative integer or null' };
      }
      patch.analyticsRateLimitPerMinute = value;
    } else if (key === 'summariesEnvelope') {
      if (value !== 'summaries' && value !== 'data') {
        return { ok: false, message: "summariesEnvelope must be 'summaries' or 'data'" };
      }
      patch.summariesEnvelope = value;
    } else if (key === 'loopCursor') {
      if (typeof value !== 'boolean') return { ok: false, message: 'loopCursor must be a boolean' };
      patch.loopCursor = value;
    } else {
      return { ok: false, message: `unknown control ${key}` };
    }
  }
  return { ok: true, patch };
}
