import { randomBytes } from 'node:crypto';
import { luaScript, type RedisLink } from '../store/redis-link.js';
import { rateLimitedError, type RateDecision, type RateLimiter, type RateRule } from './rate-limit.js';

/**
 * The sliding window log of MemoryRateLimiter as one atomic script over a sorted set of reserved
 * start times (score = start in ms). Replicas reserve in the order Redis runs their scripts, a
 * reservation may lie in the future, and a wait beyond the bound reserves nothing.
 *
 * KEYS[1] the log; ARGV: window ms, requests, max wait ms, a unique member id, now in ms ('' =
 * the Redis server's clock, so replicas whose clocks differ still share one window).
 * Returns { reserved 1|0, wait ms, remaining, ms until the oldest entry leaves the window }.
 */
const TAKE = luaScript(`
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local now = tonumber(ARGV[5])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local startAt = now
if n >= limit then
  local blocker = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  startAt = math.max(now, tonumber(blocker[2]) + window)
end
local wait = startAt - now
if wait > maxWait then
  return {0, wait, 0, 0}
end
redis.call('ZADD', KEYS[1], startAt, startAt .. ':' .. ARGV[4])
local inWindow = redis.call('ZCOUNT', KEYS[1], '(' .. (startAt - window), '+inf')
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], wait + window + 1000)
local remaining = limit - inWindow
if remaining < 0 then remaining = 0 end
return {1, wait, remaining, tonumber(first[2]) + window - now}
`);

/** Vendor rate-limit buckets shared by every replica on one Redis. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    /** A fixed clock for tests; by default the Redis server's clock. */
    private readonly now?: () => number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** The sorted set holding one bucket's reservations. */
  keyFor(key: string): string {
    return `${this.prefix}rate:${key}`;
  }

  async take(key: string, rule: RateRule, maxWaitMs: number): Promise<RateDecision> {
    const decision = await this.reserve(key, rule, maxWaitMs);
    if (decision.waitMs > 0) await this.sleep(decision.waitMs);
    return decision;
  }

  /** Reserves a slot without waiting for it (the decision says how long to wait). */
  async reserve(key: string, rule: RateRule, maxWaitMs: number): Promise<RateDecision> {
    const reply = (await this.link.eval(
      TAKE,
      [this.keyFor(key)],
      [
        rule.perSeconds * 1000,
        rule.requests,
        Math.floor(maxWaitMs),
        randomBytes(6).toString('base64url'),
        this.now ? Math.floor(this.now()) : '',
      ],
    )) as [number, number, number, number];
    const [reserved, waitMs, remaining, untilFirstLeaves] = reply;
    if (reserved !== 1) throw rateLimitedError(rule, waitMs);
    return { waitMs, remaining, resetSeconds: Math.ceil(untilFirstLeaves / 1000) };
  }
}
