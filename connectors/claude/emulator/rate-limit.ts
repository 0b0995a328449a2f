/** A sliding-window request limiter (a log of admitted request times per key). */

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class SlidingWindowLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(private readonly windowMs = 60_000) {}

  /** Admits and records a request at `nowMs` unless `limit` were already admitted in the window. */
  admit(key: string, nowMs: number, limit: number): Admission {
    const hits = this.#hits.get(key) ?? [];
    while (hits.length > 0 && (hits[0] ?? 0) <= nowMs - this.windowMs) hits.shift();
    if (hits.length >= limit) {
      // Admission reopens when the hit that keeps the window full ages out.
      const blocking = hits[hits.length - Math.max(1, limit)] ?? nowMs;
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((blocking + this.windowMs - nowMs) / 1000)),
      };
    }
    hits.push(nowMs);
    this.#hits.set(key, hits);
    return { ok: true };
  }

  clear(): void {
    this.#hits.clear();
  }
}
