import { AppError } from '../errors.js';

export interface RateRule {
  requests: number;
  perSeconds: number;
}

export interface RateDecision {
  waitMs: number;
  /** Calls left in the current window after this one, for ratelimit-* headers. */
  remaining: number;
  /** Seconds until the window has room for a full burst again. */
  resetSeconds: number;
}

/**
 * Spaces out calls to a vendor's documented limit so the vendor never has to say 429.
 * Implementations: in-process (one replica) and Redis (shared by replicas).
 */
export interface RateLimiter {
  /**
   * Reserves one call. Resolves after waiting when a slot frees up within maxWaitMs; otherwise
   * throws a 429 AppError with Retry-After, and reserves nothing.
   */
  take(key: string, rule: RateRule, maxWaitMs: number): Promise<RateDecision>;
}

/**
 * A sliding window log: at most `requests` calls start in any `perSeconds` window. A token bucket
 * would allow a full burst plus its refill inside one window (up to twice the limit), which a
 * vendor counting a sliding minute answers with 429s.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly logs = new Map<string, number[]>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  async take(key: string, rule: RateRule, maxWaitMs: number): Promise<RateDecision> {
    const decision = this.reserve(key, rule, maxWaitMs);
    if (decision.waitMs > 0) await new Promise((r) => setTimeout(r, decision.waitMs));
    return decision;
  }

  /**
   * Synchronous, so concurrent callers reserve slots in order; a reservation may lie in the future.
   * Each key's log is kept sorted, so expired entries leave from the front and counting is a binary
   * search: the cost per call does not grow with the vendor's limit (thousands a minute for some).
   */
  private reserve(key: string, rule: RateRule, maxWaitMs: number): RateDecision {
    const windowMs = rule.perSeconds * 1000;
    const now = this.now();
    let log = this.logs.get(key);
    if (!log) {
      log = [];
      this.logs.set(key, log);
    }
    const expired = firstAfter(log, now - windowMs);
    if (expired > 0) log.splice(0, expired);
    // The call may start once the call `requests` places back has left the window.
    const blocker = log.length >= rule.requests ? log[log.length - rule.requests] : undefined;
    const startAt = blocker === undefined ? now : Math.max(now, blocker + windowMs);
    const waitMs = startAt - now;
    if (waitMs > maxWaitMs) throw rateLimitedError(rule, waitMs);
    const at = firstAfter(log, startAt);
    if (at === log.length) log.push(startAt);
    else log.splice(at, 0, startAt);
    const inWindow = log.length - firstAfter(log, startAt - windowMs);
    return {
      waitMs,
      remaining: Math.max(0, rule.requests - inWindow),
      resetSeconds: Math.ceil(((log[0] ?? startAt) + windowMs - now) / 1000),
    };
  }
}

/** The 429 a limiter throws when the next free slot is further away than the caller may wait. */
export function rateLimitedError(rule: RateRule, waitMs: number): AppError {
  return new AppError(
    'rate_limited',
    `The vendor allows ${rule.requests} requests per ${rule.perSeconds} s for this account and they are used up; retry after the Retry-After seconds.`,
    { retryAfterSeconds: Math.ceil(waitMs / 1000) },
  );
}

/** The index of the first entry of a sorted list greater than `t` (the list's length if none). */
function firstAfter(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
