import type { SecretDigest } from './secret-digest.js';
import type { UsageRow } from '../schemas/usage.js';
import type { Resource } from '../schemas/connector.js';
import { mergeRows } from '../mapping/compile.js';
import { AppError } from '../errors.js';
import { redactHeaders, scrubSecrets } from '../http/redact.js';
import type { Plan, SourcePlan, Step } from './plan.js';
import type { PageState } from './cursor.js';
import type { CallRecord, UpstreamCaller } from './upstream.js';
import { buildRequest } from './request/build.js';
import type { VendorParam } from './request/params.js';
import { nextPage } from './paginate.js';
import { getPath } from './path.js';
import type { RateDecision } from './rate-limit.js';
import type { DateWindow } from './windows.js';
import { resolvePolicy, type CallPolicy } from './policy.js';
import { regroupRows, type RegroupGranularity } from '../mapping/regroup.js';
import { buildLookupTable } from '../mapping/lookup-table.js';
import { staticRecordsOf } from './lists.js';

/** Joined tables by name: key → record. */
type Lookups = Record<string, Map<string, unknown>>;

/** One vendor page as fetched. */
export interface FetchedPage {
  body: unknown;
  /** The vendor's body as received, kept only for the raw format (which sends it on as is). */
  text: string;
  records: unknown[];
  next: string | number | null;
  requestUrl: string;
  requestOptions: { method: string; headers: Record<string, unknown> };
  responseHeaders: Record<string, string>;
  rate: RateDecision | undefined;
}

/** A page as the walker hands it on: its successor, unless paging looped back to a page already read. */
interface WalkedPage {
  page: FetchedPage;
  next: string | number | null;
  looping: boolean;
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
   * vendor cursor that cycles back to one of them ends its step there too; each run keeps its
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
  /** Header names that carry this connector's credentials, for the debug view's redaction. */
  credentialHeaders: ReadonlySet<string>;
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

/** What one run shares between its calls: the policy, the call log and the budget. */
interface RunContext {
  plan: Plan;
  policy: CallPolicy;
  calls: CallRecord[];
  remoteQuery: Record<string, string | string[]>;
  /**
   * Raw format: pages keep the vendor's text. Other formats let it go at once: a ~1 MB page text
   * kept for the step outlived every minor GC, was promoted, and raised a 1M-row stream's peak
   * RSS from ~160 to ~250 MB (bench target 6; 216 vs 45 MB promoted over 100 days).
   */
  keepText: boolean;
}

/**
 * Walks the plan's steps and vendor pages from a paging state until a page of rows is full, the
 * range ends, or the upstream budget runs out. The state it returns is exactly where the next
 * page starts, so paging with any limit yields the same rows once each.
 */
export class PageRunner {
  /** Per request: the connector's policy and the lookup tables, worked out once. */
  private readonly perPlan = new WeakMap<Plan, { policy: CallPolicy; lookups: Map<string, Lookups> }>();

  constructor(private readonly deps: RunnerDeps) {}

  async run(plan: Plan, start: PageState, opts: RunOptions): Promise<PageResult> {
    const ctx: RunContext = {
      plan,
      policy: this.policyOf(plan),
      calls: [],
      remoteQuery: opts.remoteQuery,
      keepText: opts.raw,
    };
    const rows: UsageRow[] = [];
    const texts: string[] = [];
    let state: PageState | null = { ...start };
    let partial = false;
    let isLooping = false;
    let last: FetchedPage | undefined;
    let rate: RateDecision | undefined;
    const seen = opts.seenPages ?? new Set<string>();
    const upstreamCalls = () => ctx.calls.filter((c) => !c.cacheHit && !c.shared).length;
    const budgetSpent = () => upstreamCalls() >= opts.budget;
    // Lookup tables first, as their calls count against the budget before the first page's.
    const current = plan.steps[state.w];
    if (current && !opts.raw) for (const source of current.sources) await this.lookupsOf(ctx, source);
    /** The walk through the current step's pages, kept while paging stays in that step. */
    let walk: { w: number; pages: AsyncGenerator<WalkedPage, void> } | undefined;

    while (state && state.w < plan.steps.length) {
      if (budgetSpent()) {
        partial = true;
        break;
      }
      const step = plan.steps[state.w] as Step;
      let mapped: UsageRow[];
      let next: string | number | null;
      if (opts.raw && step.sources.length > 1) {
        // Raw bodies of merged sources: the step's pages of every source, in one answer, so a
        // cursor's step means the same in every format.
        const bodies = await this.readStepBodies(ctx, step, budgetSpent);
        if (!bodies) {
          partial = true;
          break;
        }
        for (const page of bodies.pages) texts.push(page.text);
        last = bodies.pages[bodies.pages.length - 1] ?? last;
        isLooping ||= bodies.isLooping;
        state = { w: state.w + 1, p: null, o: 0 };
        if (texts.length > 0) break;
        continue;
      }
      if (step.whole && !opts.raw) {
        // Rows of the whole step are merged, sorted or re-bucketed together (the remote and local
        // halves of a user-day may sit on different vendor pages), so it is read to its end first.
        const whole = await this.readStep(ctx, step, budgetSpent);
        if (!whole) {
          partial = true;
          break;
        }
        last = whole.last ?? last;
        rate = whole.rate ?? rate;
        isLooping ||= whole.isLooping;
        mapped = whole.rows;
        next = null;
      } else {
        const source = step.sources[0] as SourcePlan;
        const window = step.windows[0] as DateWindow;
        if (walk?.w !== state.w) {
          walk = {
            w: state.w,
            pages: this.walkPages(ctx, source.name, source.resource, window, state.p, source.vendorParams, {
              seen,
              prefix: `${state.w}:`,
            }),
          };
        }
        const walked = (await walk.pages.next()).value as WalkedPage;
        last = walked.page;
        rate = walked.page.rate ?? rate;
        next = walked.next;
        isLooping ||= walked.looping;
        if (opts.raw) {
          texts.push(walked.page.text);
          state = next !== null ? { w: state.w, p: next, o: 0 } : { w: state.w + 1, p: null, o: 0 };
          if (walked.page.records.length > 0 || texts.length >= opts.limit) break;
          continue;
        }
        const lookups = await this.lookupsOf(ctx, source);
        mapped = walked.page.records.flatMap((r) => mapRecord(plan, source, r, lookups, window));
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
    await walk?.pages.return();
    if (state && state.w >= plan.steps.length) state = null;
    const firstSource = plan.steps[0]?.sources[0];
    const rule = firstSource ? ctx.policy.rateFor(firstSource.resource)?.rule : undefined;
    return {
      rows,
      texts,
      next: state,
      partial,
      isLooping,
      last,
      calls: ctx.calls,
      rate,
      rule,
      credentialHeaders: ctx.policy.credentialHeaders,
    };
  }

  private policyOf(plan: Plan): CallPolicy {
    return this.stateOf(plan).policy;
  }

  private stateOf(plan: Plan): { policy: CallPolicy; lookups: Map<string, Lookups> } {
    let s = this.perPlan.get(plan);
    if (!s) {
      s = { policy: resolvePolicy(plan, this.deps.digest), lookups: new Map() };
      this.perPlan.set(plan, s);
    }
    return s;
  }

  /**
   * Reads every source of a step to the end of its window and maps it: an aggregated mapping's
   * rows merged, several sources' rows in date order, rows re-bucketed to a coarser granularity.
   * Undefined when the upstream budget ran out first.
   */
  private async readStep(
    ctx: RunContext,
    step: Step,
    budgetSpent: () => boolean,
  ): Promise<
    | { rows: UsageRow[]; last: FetchedPage | undefined; rate: RateDecision | undefined; isLooping: boolean }
    | undefined
  > {
    let rows: UsageRow[] = [];
    let last: FetchedPage | undefined;
    let rate: RateDecision | undefined;
    let isLooping = false;
    for (const [i, source] of step.sources.entries()) {
      // Each further source is a new vendor call: the budget is checked before it too.
      if (i > 0 && budgetSpent()) return undefined;
      const window = step.windows[i] as DateWindow;
      const records: unknown[] = [];
      const read = await this.readWhole(ctx, source, window, budgetSpent, (page) => {
        for (const r of page.records) records.push(r);
      });
      if (!read) return undefined;
      last = read.last ?? last;
      rate = read.rate ?? rate;
      isLooping ||= read.isLooping;
      const lookups = await this.lookupsOf(ctx, source);
      const mapped = records.flatMap((r) => mapRecord(ctx.plan, source, r, lookups, window));
      const merged = source.mapping.aggregate ? mergeRows(mapped) : mapped;
      rows = rows.length === 0 ? merged : rows.concat(merged);
    }
    if (step.sources.length > 1) rows = inDateOrder(rows);
    const { plan } = ctx;
    if (plan.regroup) {
      rows = regroupRows(rows, plan.regroup as RegroupGranularity, {
        integration: plan.connector.spec.slug,
        accountId: plan.account.id,
        reportType: plan.reportType,
        aggregated: step.sources.every((s) => s.mapping.aggregate),
      });
    }
    return { rows, last, rate, isLooping };
  }

  /** Every page of every source of a step, as fetched; undefined when the budget ran out first. */
  private async readStepBodies(
    ctx: RunContext,
    step: Step,
    budgetSpent: () => boolean,
  ): Promise<{ pages: FetchedPage[]; isLooping: boolean } | undefined> {
    const pages: FetchedPage[] = [];
    let isLooping = false;
    for (const [i, source] of step.sources.entries()) {
      if (i > 0 && budgetSpent()) return undefined;
      const window = step.windows[i] as DateWindow;
      const read = await this.readWhole(ctx, source, window, budgetSpent, (page) => pages.push(page));
      if (!read) return undefined;
      isLooping ||= read.isLooping;
    }
    return { pages, isLooping };
  }

  /** One source's pages over a whole window, each handed to `onPage`; undefined when the budget ran out. */
  private async readWhole(
    ctx: RunContext,
    source: SourcePlan,
    window: DateWindow,
    budgetSpent: () => boolean,
    onPage: (page: FetchedPage) => void,
  ): Promise<
    { last: FetchedPage | undefined; rate: RateDecision | undefined; isLooping: boolean } | undefined
  > {
    let last: FetchedPage | undefined;
    let rate: RateDecision | undefined;
    let isLooping = false;
    const track = { seen: new Set<string>(), prefix: '' };
    for await (const walked of this.walkPages(
      ctx,
      source.name,
      source.resource,
      window,
      null,
      source.vendorParams,
      track,
    )) {
      onPage(walked.page);
      last = walked.page;
      rate = walked.page.rate ?? rate;
      isLooping ||= walked.looping;
      if (walked.next !== null && budgetSpent()) return undefined;
    }
    return { last, rate, isLooping };
  }

  /**
   * The one page walker: fetches a resource's pages over one window from a page on, and stops
   * where the vendor hands back a page already read in this walk (or, for the caller's `seen`
   * set, in an earlier step of the same stream) so a cycling cursor ends instead of looping.
   */
  private async *walkPages(
    ctx: RunContext,
    name: string,
    resource: Resource,
    window: DateWindow,
    from: string | number | null,
    vendorParams: readonly VendorParam[],
    track: { seen: Set<string>; prefix: string },
    remoteQuery: Record<string, string | string[]> = ctx.remoteQuery,
  ): AsyncGenerator<WalkedPage, void> {
    const { seen, prefix } = track;
    let p = from;
    for (;;) {
      const page = await this.fetchPage(ctx, name, resource, window, p, vendorParams, remoteQuery);
      let next = page.next;
      let looping = false;
      if (next !== null && (seen.has(`${prefix}${String(next)}`) || next === p)) {
        looping = true;
        next = null;
      }
      if (p !== null) seen.add(`${prefix}${String(p)}`);
      if (next !== null) seen.add(`${prefix}${String(next)}`);
      yield { page, next, looping };
      if (next === null) return;
      p = next;
    }
  }

  /**
   * Reads each lookup table a source declares (a users list to turn ids into emails, say) whole,
   * through the same cached, rate-limited path as every other call, once per request.
   */
  private async lookupsOf(ctx: RunContext, source: SourcePlan): Promise<Lookups> {
    const cache = this.stateOf(ctx.plan).lookups;
    const known = cache.get(source.name);
    if (known) return known;
    const out: Lookups = {};
    for (const [name, spec] of Object.entries(source.resource.lookups ?? {})) {
      const resource = ctx.plan.connector.spec.resources?.[spec.resource];
      if (!resource) throw new Error(`lookup ${name}: no resource ${spec.resource}`);
      const table = new Map<string, unknown>();
      const pages = this.walkPages(
        ctx,
        spec.resource,
        resource,
        ctx.plan.range,
        null,
        [],
        { seen: new Set(), prefix: '' },
        {},
      );
      for await (const { page } of pages)
        buildLookupTable(page.records, spec.key, { ignoreCase: spec.ignore_case }, table);
      out[name] = table;
    }
    cache.set(source.name, out);
    return out;
  }

  private async fetchPage(
    ctx: RunContext,
    resourceName: string,
    resource: Resource,
    window: DateWindow,
    p: string | number | null,
    vendorParams: readonly VendorParam[],
    remoteQuery: Record<string, string | string[]>,
  ): Promise<FetchedPage> {
    const { plan, policy, calls } = ctx;
    const { connector, account } = plan;
    const slug = connector.spec.slug;
    const fixed = staticRecordsOf(resource);
    if (fixed !== undefined) return staticPage(resourceName, fixed);
    const request = buildRequest({
      spec: connector.spec,
      resource,
      account,
      window,
      page: p,
      remoteQuery,
      vendorParams,
      contextDefaults: policy.contextDefaults,
    });
    if (this.deps.maxTimeoutMs !== undefined)
      request.timeoutMs = Math.min(request.timeoutMs, this.deps.maxTimeoutMs);
    const result = await this.deps.caller.call({
      request,
      integration: slug,
      resource: resourceName,
      secrets: policy.secrets,
      hostAllowed: (hostname) => this.deps.hostAllowedFor(slug, hostname),
      cacheKeyScope: policy.cacheScope,
      cacheTtlMs: policy.cacheTtlMs(window.end, this.deps.now?.() ?? Date.now()),
      rate: policy.rateFor(resource),
      retry: policy.retry,
      authFailureStatuses: policy.authFailureStatuses,
      conventions: policy,
      calls,
      parse: (response) => {
        try {
          return JSON.parse(response.text);
        } catch {
          throw new AppError(
            'remote_malformed_response',
            `${slug} answered with a body that is not valid JSON; nothing was returned. Retry later.`,
            { remote: { rawResponse: scrubSecrets(response.text.slice(0, 2048), policy.secrets) } },
          );
        }
      },
    });
    const { response, body } = result;
    const paths = Array.isArray(resource.records_path) ? resource.records_path : [resource.records_path];
    const found = paths.map((path) => getPath(body, path)).find((v) => v !== undefined && v !== null);
    // `.` names the body itself as the one record of its page, for a mapping that walks the
    // body's list with `each` and reads the fields beside it (a billing cycle's start, say).
    const records =
      paths.includes('.') && found !== null && typeof found === 'object' && !Array.isArray(found)
        ? [found]
        : found;
    if (!Array.isArray(records)) {
      throw new AppError(
        'remote_malformed_response',
        `${slug} answered without a "${paths.join('" or "')}" list of records; nothing was returned.`,
        { remote: { rawResponse: body } },
      );
    }
    return {
      body,
      text: ctx.keepText ? response.text : '',
      records,
      next: nextPage(resource.pagination, body, p, records.length),
      requestUrl: calls[calls.length - 1]?.url ?? request.url.toString(),
      requestOptions: {
        method: request.method,
        headers: redactHeaders(request.headers, policy.credentialHeaders),
      },
      responseHeaders: response.headers,
      rate: result.rate,
    };
  }
}

/** A list the connector file writes out: one page holding its records, no vendor call. */
function staticPage(name: string, records: readonly unknown[]): FetchedPage {
  const text = JSON.stringify(records);
  return {
    body: records,
    text,
    records: [...records],
    next: null,
    requestUrl: `connector:${name}`,
    requestOptions: { method: 'GET', headers: {} },
    responseHeaders: {},
    rate: undefined,
  };
}

function mapRecord(
  plan: Plan,
  source: SourcePlan,
  record: unknown,
  lookups: Lookups,
  window: DateWindow,
): UsageRow[] {
  return source.mapping.map(record, {
    integration: plan.connector.spec.slug,
    accountId: plan.account.id,
    reportType: plan.reportType,
    lookups,
    window,
  });
}

/** Rows of several sources in date order; rows of one date keep their source order (a stable sort). */
function inDateOrder(rows: UsageRow[]): UsageRow[] {
  return rows
    .map((row, i) => ({ row, i, at: row.start_date ?? '' }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i))
    .map((x) => x.row);
}
