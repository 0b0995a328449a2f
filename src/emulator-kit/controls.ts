/**
 * Fault and latency knobs shared by every emulator. Tests flip them in-process
 * (`controls.fail429 = 2`) or over HTTP (the control route); both paths land on the same object, so
 * a test in another process (a benchmark, the sandbox) can break the fake exactly as a unit test can.
 * Queued faults are counts that requests consume, so "the next two calls fail" is exact and needs
 * no timing.
 */
import type { KnobSpecs } from './knobs.js';

export interface FaultKnobs {
  /** The next N requests answer 429. */
  fail429: number;
  /** Retry-After seconds on those 429s (small, so retrying tests stay fast); null sends none, as quota 429s do. */
  retryAfterSeconds: number | null;
  /** The next N requests answer a server error, cycling through the vendor's 5xx statuses. */
  fail5xx: number;
  /** Latency: every request waits this long before anything else happens. */
  delayMs: number;
  /** The next N successful responses are 200 with truncated, unparseable JSON. */
  malformed: number;
  /** While true, paged routes hand back the same token with has-more set, forever. */
  loopPaging: boolean;
  /** When set, every request after this many (counted in `requests`) answers 500: a vendor failing mid-range. */
  failAfterRequests: number | null;
  /** The next N requests that carry a valid paging token answer 410 (expired), where a route supports it. */
  expireTokens: number;
}

export const FAULT_DEFAULTS: Readonly<FaultKnobs> = Object.freeze({
  fail429: 0,
  retryAfterSeconds: 1,
  fail5xx: 0,
  delayMs: 0,
  malformed: 0,
  loopPaging: false,
  failAfterRequests: null,
  expireTokens: 0,
});

/** Latency is capped so a typo cannot hang a test run for hours. */
export const MAX_DELAY_MS = 120_000;

export const FAULT_KNOB_SPECS: KnobSpecs = {
  fail429: { type: 'count' },
  retryAfterSeconds: { type: 'count', nullable: true },
  fail5xx: { type: 'count' },
  delayMs: { type: 'count', max: MAX_DELAY_MS },
  malformed: { type: 'count' },
  loopPaging: { type: 'boolean' },
  failAfterRequests: { type: 'count', nullable: true },
  expireTokens: { type: 'count' },
};

export type Fault =
  { kind: 'rate_limit'; status: 429; retryAfterSeconds: number | null } | { kind: 'server'; status: number };

export interface FaultControlsOptions<K extends object> {
  /** All knob defaults: FAULT_DEFAULTS plus the vendor's own knobs. */
  defaults?: Readonly<K>;
  /** The statuses `fail5xx` cycles through; default 500 then 503. */
  serverErrorStatuses?: readonly number[];
}

/**
 * K is the vendor's knob set: FaultKnobs plus its own, or with some renamed (through accessors on
 * a subclass) where the vendor's clients already know other names.
 */
export class FaultControls<K extends object = FaultKnobs> implements FaultKnobs {
  fail429 = FAULT_DEFAULTS.fail429;
  retryAfterSeconds = FAULT_DEFAULTS.retryAfterSeconds;
  fail5xx = FAULT_DEFAULTS.fail5xx;
  delayMs = FAULT_DEFAULTS.delayMs;
  malformed = FAULT_DEFAULTS.malformed;
  loopPaging = FAULT_DEFAULTS.loopPaging;
  failAfterRequests = FAULT_DEFAULTS.failAfterRequests;
  expireTokens = FAULT_DEFAULTS.expireTokens;
  /** Requests that reached a vendor route (any outcome), for counting upstream calls. */
  requests = 0;
  readonly defaults: Readonly<K>;
  readonly #serverStatuses: readonly number[];
  /** Position in the 5xx cycle; back to the first status whenever a fail5xx run ends. */
  #served5xx = 0;

  constructor(opts: FaultControlsOptions<K> = {}) {
    this.defaults = opts.defaults ?? (FAULT_DEFAULTS as unknown as K);
    this.#serverStatuses = opts.serverErrorStatuses ?? [500, 503];
    if (this.#serverStatuses.length === 0) throw new RangeError('serverErrorStatuses must not be empty');
  }

  set(patch: Partial<K>): void {
    Object.assign(this, patch);
  }

  /** Knobs back to defaults and the request counter to zero. */
  reset(): void {
    this.set(this.defaults);
    this.requests = 0;
    this.#served5xx = 0;
  }

  /** Every knob's current value and the request count (what the control route answers). */
  snapshot(): K & { requests: number } {
    const out: Record<string, unknown> = {};
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this.defaults)) out[key] = self[key];
    out.requests = this.requests;
    return out as unknown as K & { requests: number };
  }

  /** Consumes one queued 429 or 5xx, if any (429s first). */
  takeFault(): Fault | null {
    const statuses = this.#serverStatuses;
    if (this.failAfterRequests !== null && this.requests > this.failAfterRequests) {
      return { kind: 'server', status: statuses[0] ?? 500 };
    }
    if (this.fail429 > 0) {
      this.fail429--;
      return { kind: 'rate_limit', status: 429, retryAfterSeconds: this.retryAfterSeconds };
    }
    if (this.fail5xx > 0) {
      this.fail5xx--;
      const status = statuses[this.#served5xx % statuses.length] ?? 500;
      this.#served5xx = this.fail5xx === 0 ? 0 : this.#served5xx + 1;
      return { kind: 'server', status };
    }
    return null;
  }

  takeMalformed(): boolean {
    if (this.malformed <= 0) return false;
    this.malformed--;
    return true;
  }

  /** Consumes one queued token expiry, if any. */
  takeTokenExpiry(): boolean {
    if (this.expireTokens <= 0) return false;
    this.expireTokens--;
    return true;
  }
}
