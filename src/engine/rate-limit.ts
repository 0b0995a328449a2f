import { AppError } from '../errors.js';

export interface RateRule {
  requests: number;
  perSeconds: number;
}

export interface RateDecision {
  waitMs: number;
  /** Whole tokens left after this call, for ratelimit-* headers. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
}

/**
 * Token buckets for a vendor's documented limits, so calls are spaced out before the vendor
 * has to say 429. Implementations: in-process (one replica) and Redis (shared by replicas).
 */
export interface RateLimiter {
  /**
   * Reserves one call. Resolves after waiting when a token frees up within maxWaitMs; otherwise
   * throws a 429 AppError with Retry-After, and reserves nothing.
   */
  take(key: string, rule: RateRule, maxWaitMs: number): Promise<RateDecision>;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  async take(key: string, rule: RateRule, maxWaitMs: number): Promise<RateDecision> {
    const decision = this.reserve(key, rule, maxWaitMs);
    if (decision.waitMs > 0) await new Promise((r) => setTimeout(r, decision.waitMs));
    return decision;
  }

  /** Synchronous so concurrent callers reserve in order: a token may go negative as a queue. */
  private reserve(key: string, rule: RateRule, maxWaitMs: number): RateDecision {
    const rate = rule.requests / (rule.perSeconds * 1000); // tokens per ms
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: rule.requests, at: now };
    b.tokens = Math.min(rule.requests, b.tokens + (now - b.at) * rate);
    b.at = now;
    const waitMs = b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / rate);
    if (waitMs > maxWaitMs) {
      this.buckets.set(key, b);
      throw new AppError(
        'rate_limited',
        `The vendor allows ${rule.requests} requests per ${rule.perSeconds} s for this account and they are used up; retry after the Retry-After seconds.`,
        { retryAfterSeconds: Math.ceil(waitMs / 1000) },
      );
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    return {
      waitMs,
      remaining: Math.max(0, Math.floor(b.tokens)),
      resetSeconds: Math.ceil((rule.requests - b.tokens) / rate / 1000),
    };
  }
}
