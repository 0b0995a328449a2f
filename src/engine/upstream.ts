import type { SecretDigest } from './secret-digest.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../http/metrics.js';
import { scrubSecrets } from '../http/redact.js';
import type { ResponseCache, CachedResponse } from './cache.js';
import { SingleFlight, type Flights } from './cache.js';
import { UpstreamTransportError, type UpstreamHttp, type UpstreamRequest } from './http.js';
import type { RateLimiter, RateRule, RateDecision } from './rate-limit.js';
import { retryAfterSeconds } from './header-time.js';
import { vendorMessage } from './vendor-message.js';
import type { VendorConventions } from './policy.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxRetryAfterS: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxRetryAfterS: 5 };

/** One upstream call as the debug view shows it. */
export interface CallRecord {
  url: string;
  method: string;
  status: number | null;
  durationMs: number;
  cacheHit: boolean;
  shared: boolean;
  attempts: number;
  error?: string;
}

export interface CallOptions {
  request: UpstreamRequest;
  /** Names the integration and resource in metrics and messages. */
  integration: string;
  resource: string;
  /** Secrets to scrub from anything that leaves the gateway. */
  secrets: string[];
  hostAllowed: (hostname: string) => boolean;
  cacheKeyScope: string;
  cacheTtlMs: number;
  rate?: { key: string; rule: RateRule } | undefined;
  retry: RetryPolicy;
  calls: CallRecord[];
  /** Statuses meaning the vendor refused the credentials (default 401, 403). */
  authFailureStatuses?: number[] | undefined;
  /** Where the vendor's errors say what went wrong and when to retry. */
  conventions?: Pick<VendorConventions, 'errorMessagePaths' | 'retryAfterHeaders'> | undefined;
  /** Parses a 2xx body, throwing when it is unusable; only parsed answers are cached. */
  parse: (response: CachedResponse) => unknown;
}

export interface CallResult {
  response: CachedResponse;
  body: unknown;
  rate: RateDecision | undefined;
}

const RETRYABLE_STATUS = (s: number) => s === 408 || s === 429 || s >= 500;

/**
 * Makes vendor calls safely: refuses undeclared hosts, serves from cache, merges identical
 * concurrent calls, waits for the vendor's rate limit, retries what may succeed on a second try,
 * and turns every failure into a clear error.
 */
export class UpstreamCaller {
  /** Parsed bodies of cached responses: the in-process cache returns the same object on each hit. */
  private readonly parsedHits = new WeakMap<CachedResponse, unknown>();

  constructor(
    private readonly http: UpstreamHttp,
    private readonly cache: ResponseCache,
    private readonly limiter: RateLimiter,
    private readonly metrics: Metrics | undefined,
    private readonly digest: SecretDigest,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    /** Merges identical concurrent calls: in this process, or across replicas through Redis. */
    private readonly flights: Flights = new SingleFlight(),
  ) {}

  async call(opts: CallOptions): Promise<CallResult> {
    const { request } = opts;
    if (!opts.hostAllowed(request.url.hostname)) {
      throw new AppError(
        'host_not_allowed',
        `Refused to call ${request.url.hostname}: the ${opts.integration} connector does not declare that host.`,
      );
    }
    const key = this.cacheKey(opts);
    const safeUrl = scrubSecrets(request.url.toString(), opts.secrets);
    const cached = await this.cache.get(key);
    if (cached) {
      this.metrics?.cacheLookups.inc({ result: 'hit' });
      opts.calls.push({
        url: safeUrl,
        method: request.method,
        status: cached.status,
        durationMs: 0,
        cacheHit: true,
        shared: false,
        attempts: 0,
      });
      let body = this.parsedHits.get(cached);
      if (body === undefined) {
        body = opts.parse(cached);
        this.parsedHits.set(cached, body);
      }
      return { response: cached, body, rate: undefined };
    }
    const { value, shared } = await this.flights.run(
      key,
      async () => {
        this.metrics?.cacheLookups.inc({ result: 'miss' });
        const result = await this.fetchWithRetries(opts, safeUrl);
        // Parse before caching: a malformed answer fails this request and is never served again.
        const body = opts.parse(result.response);
        await this.cache.set(key, result.response, opts.cacheTtlMs);
        return { ...result, body };
      },
      // Another replica's leader leaves its answer in the shared cache.
      async () => {
        const hit = await this.cache.get(key);
        return hit === undefined ? undefined : { response: hit, body: opts.parse(hit), rate: undefined };
      },
    );
    if (shared) {
      this.metrics?.cacheLookups.inc({ result: 'shared' });
      opts.calls.push({
        url: safeUrl,
        method: request.method,
        status: value.response.status,
        durationMs: 0,
        cacheHit: false,
        shared: true,
        attempts: 0,
      });
    }
    return value;
  }

  private async fetchWithRetries(opts: CallOptions, safeUrl: string): Promise<Omit<CallResult, 'body'>> {
    const { request, retry } = opts;
    let attempt = 0;
    for (;;) {
      attempt += 1;
      const rate = opts.rate ? await this.limiter.take(opts.rate.key, opts.rate.rule, 30_000) : undefined;
      const record: CallRecord = {
        url: safeUrl,
        method: request.method,
        status: null,
        durationMs: 0,
        cacheHit: false,
        shared: false,
        attempts: attempt,
      };
      opts.calls.push(record);
      const started = performance.now();
      try {
        const res = await this.http.send(request);
        record.status = res.status;
        record.durationMs = round(res.durationMs);
        this.metrics?.upstreamCalls.inc({
          integration: opts.integration,
          resource: opts.resource,
          status: String(res.status),
        });
        this.metrics?.upstreamDuration.observe(
          { integration: opts.integration, resource: opts.resource },
          res.durationMs / 1000,
        );
        if (res.status >= 200 && res.status < 300) return { response: res, rate };
        if (RETRYABLE_STATUS(res.status) && attempt < retry.attempts) {
          const wait = this.retryDelay(
            res.status,
            this.retryAfter(opts, res.headers, res.status),
            attempt,
            retry,
          );
          if (wait !== undefined) {
            await this.sleep(wait);
            continue;
          }
        }
        throw this.vendorError(opts, res.status, res.headers, res.text);
      } catch (err) {
        if (!(err instanceof UpstreamTransportError)) throw err;
        record.durationMs = round(performance.now() - started);
        record.error = err.message;
        this.metrics?.upstreamCalls.inc({
          integration: opts.integration,
          resource: opts.resource,
          status: err.kind,
        });
        if (attempt < retry.attempts) {
          await this.sleep(backoff(attempt, retry.baseDelayMs));
          continue;
        }
        throw err.kind === 'timeout'
          ? new AppError(
              'remote_timeout',
              `${opts.integration} did not answer in time (${err.message}) after ${attempt} tries.`,
            )
          : new AppError(
              'remote_unreachable',
              `${opts.integration} could not be reached (${err.message}) after ${attempt} tries.`,
            );
      }
    }
  }

  /** How long to wait before retrying, or undefined when waiting is pointless within a request. */
  private retryDelay(
    status: number,
    retryAfter: number | undefined,
    attempt: number,
    retry: RetryPolicy,
  ): number | undefined {
    if (status === 429) {
      if (retryAfter === undefined) return backoff(attempt, retry.baseDelayMs);
      return retryAfter <= retry.maxRetryAfterS ? retryAfter * 1000 : undefined;
    }
    if (retryAfter !== undefined) return retryAfter <= retry.maxRetryAfterS ? retryAfter * 1000 : undefined;
    return backoff(attempt, retry.baseDelayMs);
  }

  private vendorError(
    opts: CallOptions,
    status: number,
    headers: Record<string, string>,
    text: string,
  ): AppError {
    const raw = rawBody(text, opts.secrets);
    const remote = { rawResponse: raw };
    const who = opts.integration;
    // The vendor's own words, where the connector says its errors carry them.
    const message = vendorMessage(raw, opts.conventions?.errorMessagePaths);
    const said = message === undefined ? undefined : scrubSecrets(message, opts.secrets);
    const says = said === undefined ? '' : ` ${who} says: ${said}`;
    if (status === 429) {
      const retryAfter = this.retryAfter(opts, headers, status);
      return new AppError(
        'rate_limited',
        retryAfter === undefined
          ? `${who} is rate limiting this account and gave no time to wait (a spending or quota cap answers this way too); retry later.`
          : `${who} is rate limiting this account; retry after ${Math.ceil(retryAfter)} s.`,
        { remote, retryAfterSeconds: retryAfter ?? 60 },
      );
    }
    if ((opts.authFailureStatuses ?? [401, 403]).includes(status)) {
      return new AppError(
        'account_needs_reauth',
        `${who} refused the account's credentials (HTTP ${status}); update them with PATCH /integrated-accounts/:id.${says}`,
        { remote },
      );
    }
    if (status === 410) {
      return new AppError(
        'remote_cursor_expired',
        `${who} says the paging cursor expired; start again without next_cursor.${says}`,
        { remote },
      );
    }
    if (status === 409)
      return new AppError('remote_conflict', `${who} answered 409 Conflict.${says}`, { remote });
    if (status >= 400 && status < 500) {
      return new AppError(
        'remote_validation_failed',
        `${who} rejected the request (HTTP ${status}).${says}`,
        {
          remote,
        },
      );
    }
    if (status === 504 || status === 408)
      return new AppError('remote_timeout', `${who} timed out (HTTP ${status}).${says}`, { remote });
    return new AppError('remote_error', `${who} failed (HTTP ${status}).${says}`, { remote });
  }

  /**
   * When to retry. A connector's own headers are read for 429 and 503 only: a vendor may send its
   * rate-limit reset on every answer, and a 500 is not told to wait for it.
   */
  private retryAfter(opts: CallOptions, headers: Record<string, string>, status: number): number | undefined {
    const declared = status === 429 || status === 503 ? opts.conventions?.retryAfterHeaders : undefined;
    return retryAfterSeconds(headers, declared);
  }

  private cacheKey(opts: CallOptions): string {
    const { request } = opts;
    // The real headers, credentials included (only a keyed digest is kept): after a key change,
    // answers fetched with the old key must not be served for the new one.
    return this.digest.of(
      opts.cacheKeyScope,
      request.method,
      request.url.toString(),
      JSON.stringify(request.headers),
      request.body ?? '',
    );
  }
}

function backoff(attempt: number, base: number): number {
  // Full jitter: spreads retries of many callers so they do not hit the vendor in step.
  return Math.round(Math.random() * base * 2 ** (attempt - 1));
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The vendor's body for `raw_response`: parsed JSON when it is JSON, text otherwise, never a secret. */
export function rawBody(text: string, secrets: string[]): unknown {
  const clean = scrubSecrets(text.length > 16_384 ? `${text.slice(0, 16_384)}…` : text, secrets);
  let parsed: unknown;
  try {
    parsed = JSON.parse(clean);
  } catch {
    return clean;
  }
  // Scrubbed again once decoded: a key echoed with JSON escapes (`\u0073k-…`, `sk\/…`) only
  // reads as the key after parsing.
  const decoded = JSON.stringify(parsed);
  const again = scrubSecrets(decoded, secrets);
  return again === decoded ? parsed : JSON.parse(again);
}
