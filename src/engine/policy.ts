import type { Account } from '../schemas/account.js';
import type { ConnectorSpec, Resource, TimeFormat } from '../schemas/connector.js';
import type { RateRule } from './rate-limit.js';
import type { SecretDigest } from './secret-digest.js';
import { DEFAULT_RETRY, type RetryPolicy } from './upstream.js';
import { credentialHeaderNames } from './request/auth.js';
import type { Plan } from './plan.js';

const HOUR_MS = 3_600_000;
const DEFAULT_CACHE = { fresh_ttl_s: 60, settled_ttl_s: 3600, settled_after_hours: 48 };

/** How a vendor's answers are read beyond their records: error messages and retry hints. */
export interface VendorConventions {
  /** Paths in an error body where the vendor says what went wrong, first found wins. */
  errorMessagePaths: readonly string[] | undefined;
  /** Headers that say when to retry, first present wins. */
  retryAfterHeaders: readonly { name: string; format: TimeFormat }[] | undefined;
  /** Statuses meaning the vendor refused the credentials (default 401, 403). */
  authFailureStatuses: number[] | undefined;
}

/**
 * A connector's rules for one account, worked out once per request rather than on every page:
 * retry, rate buckets, cache lifetimes, secrets to scrub and headers to redact.
 */
export interface CallPolicy extends VendorConventions {
  retry: RetryPolicy;
  /** Every credential value of the account: scrubbed from anything that leaves the gateway. */
  secrets: string[];
  /** Header names (lower case) that carry credentials for this connector. */
  credentialHeaders: ReadonlySet<string>;
  /** Whose cache entries these are: a tenant's account never reads another's answers. */
  cacheScope: string;
  contextDefaults: Readonly<Record<string, string>>;
  /** The rate bucket a resource's calls count against, if its connector declares one. */
  rateFor(resource: Resource): { key: string; rule: RateRule } | undefined;
  /** Settled periods are cached long; periods that may still change, briefly. */
  cacheTtlMs(windowEnd: Date, now: number): number;
}

export function resolvePolicy(plan: Pick<Plan, 'connector' | 'account'>, digest: SecretDigest): CallPolicy {
  const spec = plan.connector.spec;
  const account = plan.account;
  const r = spec.retry;
  const cache = spec.cache ?? DEFAULT_CACHE;
  const buckets = new Map<string, { key: string; rule: RateRule } | undefined>();
  return {
    retry: r
      ? { attempts: r.attempts, baseDelayMs: r.base_delay_ms, maxRetryAfterS: r.max_retry_after_s }
      : DEFAULT_RETRY,
    authFailureStatuses: spec.auth_failure_statuses,
    errorMessagePaths: spec.errors?.message_paths,
    retryAfterHeaders: spec.retry_after_headers,
    secrets: secretsOf(spec, account),
    credentialHeaders: new Set(credentialHeaderNames(spec)),
    cacheScope: `${account.tenant}\0${account.id}`,
    contextDefaults: contextDefaultsOf(spec),
    rateFor(resource) {
      const cacheKey = `${resource.rate_limit_group ?? ''}\0${resource.credential}`;
      if (!buckets.has(cacheKey)) buckets.set(cacheKey, rateBucket(spec, account, resource, digest));
      return buckets.get(cacheKey);
    },
    cacheTtlMs(windowEnd, now) {
      const settled = windowEnd.getTime() + cache.settled_after_hours * HOUR_MS <= now;
      return (settled ? cache.settled_ttl_s : cache.fresh_ttl_s) * 1000;
    },
  };
}

/**
 * Every form of the account's credentials a vendor could echo back: each value, and for Basic auth
 * the `user:password` pair as the Authorization header carries it (base64, with and without padding).
 */
export function secretsOf(spec: ConnectorSpec, account: Pick<Account, 'credentials'>): string[] {
  const values = Object.values(account.credentials);
  if (spec.auth?.type !== 'basic') return values;
  const user = account.credentials[spec.auth.username] ?? '';
  const password = spec.auth.password ? (account.credentials[spec.auth.password] ?? '') : '';
  const encoded = Buffer.from(`${user}:${password}`).toString('base64');
  return [...values, encoded, encoded.replace(/=+$/, '')];
}

/** Context fields with a declared default (a vendor's main site, say). */
export function contextDefaultsOf(spec: Pick<ConnectorSpec, 'context'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, field] of Object.entries(spec.context ?? {}))
    if (field.default !== undefined) out[name] = field.default;
  return out;
}

/**
 * Whose calls share a bucket: the account, or everyone holding the same key when the vendor
 * limits per organisation (two accounts may carry one organisation's key).
 */
function rateBucket(
  spec: ConnectorSpec,
  account: Account,
  resource: Resource,
  digest: SecretDigest,
): { key: string; rule: RateRule } | undefined {
  const group = resource.rate_limit_group;
  const declared = group ? spec.rate_limits?.find((l) => l.group === group) : undefined;
  if (!declared) return undefined;
  const who =
    declared.scope === 'credential'
      ? digest.of(account.credentials[resource.credential] ?? '')
      : `${account.tenant}\0${account.id}`;
  return {
    key: `${spec.slug}\0${group}\0${who}`,
    rule: { requests: declared.requests, perSeconds: declared.per_seconds },
  };
}
