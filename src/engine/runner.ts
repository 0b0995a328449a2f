import type { SecretDigest } from './secret-digest.js';
import type { UsageRow } from '../schemas/usage.js';
import { mergeRows } from '../mapping/compile.js';
import { AppError } from '../errors.js';
import { redactHeaders, scrubSecrets } from '../http/redact.js';
import type { Plan } from './plan.js';
import type { PageState } from './cursor.js';
import type { CallRecord, UpstreamCaller, RetryPolicy } from './upstream.js';
import { DEFAULT_RETRY } from './upstream.js';
import { buildRequest } from './request-builder.js';
import { nextPage } from './paginate.js';
import { getPath } from './path.js';
import type { RateDecision } from './rate-limit.js';
import type { Resource } from '../schemas/connector.js';
import type { DateWindow } from './windows.js';

/** Joined tables by name: key → record. */
type Lookups = Record<string, Map<string, unknown>>;

/** One vendor page as fetched and mapped. */
interface FetchedPage {
  body: unknown;
  /** The vendor's body as received (raw format sends it on without re-serializing). */
  text: string;
  records: unknown[];
  next: string | number | null;
  requestUrl: string;
  requestOptions: { method: string; headers: Record<string, unknown> };
  responseHeaders: Record<string, string>;
}

export interface RunOptions {
  limit: number;
  ignoreLimit: boolean;
  /** Raw format: collect vendor bodies (as received) instead of rows. */
  raw: boolean;
  budget: number;
  remoteQuery: Record<string, string | string[]>;
  rowFilter: (row: UsageRow) => boolean;
  maxRows: number;
  /**
   * Vendor pages read by the caller's earlier runs of the same request (a stream's steps), so a
   * vendor cursor that cycles back to one of them ends its window there too; each run keeps its
   * own otherwise.
   */
  seenPages?: Set<string>;
}

export interface PageResult {
  rows: UsageRow[];
  /** Raw format: the vendor bodies as received. */
  texts: string[];
  next: PageState | null;
  partial: boolean;
  isLooping: boolean;
  last: FetchedPage | undefined;
  calls: CallRecord[];
  rate: RateDecision | undefined;
  rule: { requests: number; perSeconds: number } | undefined;
}

export interface RunnerDeps {
  caller: UpstreamCaller;
  hostAllowedFor: (integration: string, hostname: string) => boolean;
  /** Keyed digests for rate-limit buckets shared by everyone holding one credential. */
  digest: SecretDigest;
  /** Caps every connector's own timeout (operators bound how long a request may hang). */
  maxTimeoutMs?: number;
  now?: () => number;
}

const HOUR_MS = 3_600_000;

/**
 * Walks date windows and vendor pages from a paging state until a page of rows is full, the
 * range ends, or the upstream budget runs out. The state it returns is exactly where the next
 * page starts, so paging with any limit yields the same rows once each.
 */
export class PageRunner {
  constructor(private readonly deps: RunnerDeps) {}

  async run(plan: Plan, start: PageState, opts: RunOptions): Promise<PageResult> {
    const calls: CallRecord[] = [];
    const rows: UsageRow[] = [];
    const texts: string[] = [];
    let state: PageState | null = { ...start };
    let partial = false;
    let isLooping = false;
    let last: FetchedPage | undefined;
    let rate: RateDecision | undefined;
    const seen = opts.seenPages ?? new Set<string>();
    const upstreamCalls = () => calls.filter((c) => !c.cacheHit && !c.shared).length;
    const lookups = opts.raw ? {} : await this.loadLookups(plan, opts, calls);

    while (state && state.w < plan.windows.length) {
      if (upstreamCalls() >= opts.budget) {
        partial = true;
        break;
      }
      let mapped: UsageRow[];
      let next: string | number | null;
      if (plan.mapping.aggregate && !opts.raw) {
        // Aggregated reports merge records of the whole window (remote and local halves of a
        // user-day may sit on different vendor pages), so the window is read to its end first.
        const whole = await this.fetchWindow(
          plan,
          state.w,
          opts,
          calls,
          () => upstreamCalls() >= opts.budget,
        );
        if (!whole) {
          partial = true;
          break;
        }
        last = whole.last;
        rate = whole.rate ?? rate;
        isLooping ||= whole.isLooping;
        const window = this.windowOf(plan, state.w);
        mapped = mergeRows(whole.records.flatMap((r) => this.map(plan, r, lookups, window)));
        next = null;
      } else {
        const fetched = await this.fetchPage(
          plan,
          plan.resourceName,
          plan.resource,
          this.windowOf(plan, state.w),
          state.p,
          opts,
          calls,
        );
        last = fetched.page;
        rate = fetched.rate ?? rate;
        next = fetched.page.next;
        if (next !== null && (seen.has(`${state.w}:${String(next)}`) || next === state.p)) {
          isLooping = true;
          next = null;
        }
        if (state.p !== null) seen.add(`${state.w}:${String(state.p)}`);
        if (next !== null) seen.add(`${state.w}:${String(next)}`);
        if (opts.raw) {
          texts.push(fetched.page.text);
          state = next !== null ? { w: state.w, p: next, o: 0 } : { w: state.w + 1, p: null, o: 0 };
          if (fetched.page.records.length > 0 || texts.length >= opts.limit) break;
          continue;
        }
        const window = this.windowOf(plan, state.w);
        mapped = fetched.page.records.flatMap((r) => this.map(plan, r, lookups, window));
      }
      const kept = mapped.filter(opts.rowFilter);
      const room = opts.ignoreLimit ? Number.POSITIVE_INFINITY : opts.limit - rows.length;
      const taken = kept.slice(state.o, state.o + room);
      if (rows.length + taken.length > opts.maxRows) {
        throw new AppError(
          'response_too_large',
          `One vendor page holds more than ${opts.maxRows} rows, the most a buffered response may hold; page with limit instead of truto_ignore_limit, or use truto_response_format=stream.`,
          { details: { parameter: 'truto_ignore_limit', max_rows: opts.maxRows } },
        );
      }
      for (const row of taken) rows.push(row);
      if (state.o + taken.length < kept.length) {
        state = { w: state.w, p: state.p, o: state.o + taken.length };
        break;
      }
      state = next !== null ? { w: state.w, p: next, o: 0 } : { w: state.w + 1, p: null, o: 0 };
      if (rows.length >= opts.limit || (opts.ignoreLimit && rows.length > 0)) break;
    }
    if (state && state.w >= plan.windows.length) state = null;
    const rule = this.rateRule(plan);
    return { rows, texts, next: state, partial, isLooping, last, calls, rate, rule };
  }

  private map(plan: Plan, record: unknown, lookups: Lookups, window: DateWindow): UsageRow[] {
    return plan.mapping.map(record, {
      integration: plan.connector.spec.slug,
      accountId: plan.account.id,
      reportType: plan.reportType,
      lookups,
      window,
    });
  }

  /**
   * Reads each lookup table the resource declares (a users list to turn ids into emails, say)
   * whole, through the same cached, rate-limited path as every other call.
   */
  private async loadLookups(plan: Plan, opts: RunOptions, calls: CallRecord[]): Promise<Lookups> {
    const out: Lookups = {};
    for (const [name, spec] of Object.entries(plan.resource.lookups ?? {})) {
      const resource = plan.connector.spec.resources?.[spec.resource];
      if (!resource) throw new Error(`lookup ${name}: no resource ${spec.resource}`);
      const table = new Map<string, unknown>();
      const seen = new Set<string>();
      let p: string | number | null = null;
      for (;;) {
        const fetched = await this.fetchPage(
          plan,
          spec.resource,
          resource,
          plan.range,
          p,
          { ...opts, remoteQuery: {} },
          calls,
          {},
        );
        for (const r of fetched.page.records) {
          const key = getPath(r, spec.key);
          if (key !== undefined && key !== null) table.set(String(key), r);
        }
        const next = fetched.page.next;
        if (next === null || seen.has(String(next))) break;
        seen.add(String(next));
        p = next;
      }
      out[name] = table;
    }
    return out;
  }

  private async fetchWindow(
    plan: Plan,
    w: number,
    opts: RunOptions,
    calls: CallRecord[],
    budgetSpent: () => boolean,
  ): Promise<
    { records: unknown[]; last: FetchedPage; rate: RateDecision | undefined; isLooping: boolean } | undefined
  > {
    const records: unknown[] = [];
    const seen = new Set<string>();
    let p: string | number | null = null;
    let rate: RateDecision | undefined;
    let isLooping = false;
    for (;;) {
      const fetched = await this.fetchPage(
        plan,
        plan.resourceName,
        plan.resource,
        this.windowOf(plan, w),
        p,
        opts,
        calls,
      );
      rate = fetched.rate ?? rate;
      for (const r of fetched.page.records) records.push(r);
      const next = fetched.page.next;
      if (next === null) return { records, last: fetched.page, rate, isLooping };
      if (seen.has(String(next)) || next === p) {
        isLooping = true;
        return { records, last: fetched.page, rate, isLooping };
      }
      seen.add(String(next));
      p = next;
      if (budgetSpent()) return undefined;
    }
  }

  private windowOf(plan: Plan, w: number): DateWindow {
    const window = plan.windows[w];
    if (!window) throw new Error(`window ${w} out of range`);
    return window;
  }

  private async fetchPage(
    plan: Plan,
    resourceName: string,
    resource: Resource,
    window: DateWindow,
    p: string | number | null,
    opts: RunOptions,
    calls: CallRecord[],
    vendorParams: Record<string, string | string[]> = plan.vendorParams,
  ): Promise<{ page: FetchedPage; rate: RateDecision | undefined }> {
    const { connector, account } = plan;
    const request = buildRequest({
      spec: connector.spec,
      resource,
      account,
      window,
      page: p,
      remoteQuery: opts.remoteQuery,
      vendorParams,
    });
    if (this.deps.maxTimeoutMs !== undefined)
      request.timeoutMs = Math.min(request.timeoutMs, this.deps.maxTimeoutMs);
    const secrets = Object.values(account.credentials);
    const rateLimit = this.rateRule(plan, resource);
    const result = await this.deps.caller.call({
      request,
      integration: connector.spec.slug,
      resource: resourceName,
      secrets,
      hostAllowed: (hostname) => this.deps.hostAllowedFor(connector.spec.slug, hostname),
      cacheKeyScope: `${account.tenant}\0${account.id}`,
      cacheTtlMs: this.cacheTtl(plan, window.end),
      rate: rateLimit ? { key: this.rateKey(plan, resource), rule: rateLimit } : undefined,
      retry: this.retryPolicy(plan),
      authFailureStatuses: connector.spec.auth_failure_statuses,
      calls,
      parse: (response) => {
        try {
          return JSON.parse(response.text);
        } catch {
          throw new AppError(
            'remote_malformed_response',
            `${connector.spec.slug} answered with a body that is not valid JSON; nothing was returned. Retry later.`,
            { remote: { rawResponse: scrubSecrets(response.text.slice(0, 2048), secrets) } },
          );
        }
      },
    });
    const { response, body } = result;
    const paths = Array.isArray(resource.records_path) ? resource.records_path : [resource.records_path];
    const records = paths.map((path) => getPath(body, path)).find((v) => v !== undefined && v !== null);
    if (!Array.isArray(records)) {
      throw new AppError(
        'remote_malformed_response',
        `${connector.spec.slug} answered without a "${paths.join('" or "')}" list of records; nothing was returned.`,
        { remote: { rawResponse: body } },
      );
    }
    const next = nextPage(resource.pagination, body, p, records.length);
    return {
      rate: result.rate,
      page: {
        body,
        text: response.text,
        records,
        next,
        requestUrl: calls[calls.length - 1]?.url ?? request.url.toString(),
        requestOptions: { method: request.method, headers: redactHeaders(request.headers) },
        responseHeaders: response.headers,
      },
    };
  }

  /**
   * Whose calls share a bucket: the account, or everyone holding the same key when the vendor
   * limits per organisation (two accounts may carry one organisation's key).
   */
  private rateKey(plan: Plan, resource: Resource): string {
    const group = resource.rate_limit_group ?? '';
    const declared = plan.connector.spec.rate_limits?.find((r) => r.group === group);
    const who =
      declared?.scope === 'credential'
        ? this.deps.digest.of(plan.account.credentials[resource.credential] ?? '')
        : `${plan.account.tenant}\0${plan.account.id}`;
    return `${plan.connector.spec.slug}\0${group}\0${who}`;
  }

  private rateRule(
    plan: Plan,
    resource: Resource = plan.resource,
  ): { requests: number; perSeconds: number } | undefined {
    const group = resource.rate_limit_group;
    const declared = group ? plan.connector.spec.rate_limits?.find((r) => r.group === group) : undefined;
    return declared ? { requests: declared.requests, perSeconds: declared.per_seconds } : undefined;
  }

  private retryPolicy(plan: Plan): RetryPolicy {
    const r = plan.connector.spec.retry;
    return r
      ? { attempts: r.attempts, baseDelayMs: r.base_delay_ms, maxRetryAfterS: r.max_retry_after_s }
      : DEFAULT_RETRY;
  }

  /** Settled periods are cached long; periods that may still change, briefly. */
  private cacheTtl(plan: Plan, windowEnd: Date): number {
    const c = plan.connector.spec.cache ?? { fresh_ttl_s: 60, settled_ttl_s: 3600, settled_after_hours: 48 };
    const now = this.deps.now?.() ?? Date.now();
    const settled = windowEnd.getTime() + c.settled_after_hours * HOUR_MS <= now;
    return (settled ? c.settled_ttl_s : c.fresh_ttl_s) * 1000;
  }
}
