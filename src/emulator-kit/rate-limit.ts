/**
 * Request limiters keyed by whatever a vendor limits on (organisation, team, key). Both answer an
 * Admission with enough to fill any vendor's headers: `Retry-After`, `X-RateLimit-Remaining`,
 * reset times. Time is passed in (`nowMs`) so a caller decides between real and emulated time.
 */

export interface Admission {
  ok: boolean;
  /** Requests allowed per period. */
  limit: number;
  /** Requests still admitted right now after this one. */
  remaining: number;
  /** Whole seconds until a denied request would be admitted (≥ 1); 0 when admitted. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Admits and records one request under `key` at `nowMs`, or denies it without recording. */
  admit(key: string, nowMs: number, limit: number): Admission;
  /** Forgets all history (between tests). */
  clear(): void;
}

/**
 * Token bucket: `limit` tokens refilled evenly over `periodMs`. Bursts up to `limit` pass at once;
 * once empty, one request per `periodMs / limit` gets through, which is how most vendors' "N per
 * minute" behaves in practice.
 */
export class TokenBucketLimiter implements RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly periodMs = 60_000) {}

  admit(key: string, nowMs: number, limit: number): Admission {
    const refillPerMs = limit / this.periodMs;
    const bucket = this.#buckets.get(key) ?? { tokens: limit, at: nowMs };
    bucket.tokens = Math.min(limit, bucket.tokens + Math.max(0, nowMs - bucket.at) * refillPerMs);
    bucket.at = nowMs;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const waitMs = refillPerMs > 0 ? (1 - bucket.tokens) / refillPerMs : this.periodMs;
      return { ok: false, limit, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    bucket.tokens -= 1;
    return { ok: true, limit, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
  }

  clear(): void {
    this.#buckets.clear();
  }
}

/**
 * Sliding window: at most `limit` requests in any `windowMs`, from a log of admitted times. Stricter
 * than a bucket (no refill mid-window); a vendor that documents "N per rolling minute" gets this.
 */
export class SlidingWindowLimiter implements RateLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(private readonly windowMs = 60_000) {}

  admit(key: string, nowMs: number, limit: number): Admission {
    const hits = this.#hits.get(key) ?? [];
    while (hits.length > 0 && (hits[0] ?? 0) <= nowMs - this.windowMs) hits.shift();
    if (hits.length >= limit) {
      // Admission reopens when the hit that keeps the window full ages out.
      const blocking = hits[hits.length - Math.max(1, limit)] ?? nowMs;
      const retryAfterSeconds = Math.max(1, Math.ceil((blocking + this.windowMs - nowMs) / 1000));
      return { ok: false, limit, remaining: 0, retryAfterSeconds };
    }
    hits.push(nowMs);
    this.#hits.set(key, hits);
    return { ok: true, limit, remaining: limit - hits.length, retryAfterSeconds: 0 };
  }

  clear(): void {
    this.#hits.clear();
  }
}
