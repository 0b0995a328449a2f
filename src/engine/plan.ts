import type { Account } from '../schemas/account.js';
import type { Report, ReportSource, Resource } from '../schemas/connector.js';
import type { CompiledMapping } from '../mapping/compile.js';
import { AppError } from '../errors.js';
import type { Connector } from './registry.js';
import type { UsageRequest } from './usage-request.js';
import { DAY_MS } from './dates.js';
import { splitWindows, type DateWindow } from './windows.js';
import { pushDown, refuseUndeclared } from './pushdown.js';
import type { VendorParam } from './request/params.js';
import { chooseProducts, sourcesOf, supportedReports, usableSources } from './sources.js';
import { clampToAvailable, resolveRange, settleBoundary, splitAt, type DateRange } from './range.js';
import { makeListPlan } from './lists.js';

/** One vendor resource a step reads, with the mapping of its records and its pushed-down parameters. */
export interface SourcePlan {
  name: string;
  resource: Resource;
  mapping: CompiledMapping;
  vendorParams: VendorParam[];
}

/**
 * One unit of paging: a date window of one source, or of several sources whose rows merge in date
 * order. A `whole` step is read to its end before any row is returned (aggregated mappings,
 * merged sources, re-bucketed rows); the others are returned vendor page by vendor page.
 */
export interface Step {
  window: DateWindow;
  sources: SourcePlan[];
  /** Each source's part of the window: narrower where a source has no data for all of it. */
  windows: DateWindow[];
  whole: boolean;
}

export type Granularity = 'minute' | 'hour' | 'day';

/** Everything decided before the first vendor call: the steps to walk and how to map them. */
export interface Plan {
  account: Account;
  connector: Connector;
  reportType: string;
  range: DateRange;
  steps: Step[];
  /**
   * The instant the first page was planned (fixed in its cursor): what is available and where
   * settled periods end are worked out from it, so every page of a query walks the same steps.
   */
  at: Date;
  /** Where settled sources hand over to unsettled ones. */
  boundary: Date | undefined;
  /** The caller's product_ids chose the sources (a fan-out), so rows need not carry the product. */
  productsChosen: boolean;
  /** Time buckets the gateway sums rows into after mapping, when coarser than the vendor's. */
  regroup: Granularity | undefined;
}

export type MappingLookup = (
  integration: string,
  mappingName: string,
  account: Account,
) => CompiledMapping | undefined;

/** What a cursor fixed at the first page, so every page of one query walks the same steps. */
export interface FrozenPlan {
  range: DateRange;
  at?: Date | undefined;
}

const DEFAULT_RANGE_DAYS = 7;
const DEFAULT_MAX_RANGE_DAYS = 366;
const GRANULARITY_ORDER: Record<Granularity, number> = { minute: 0, hour: 1, day: 2 };

export function makePlan(
  account: Account,
  connector: Connector,
  req: UsageRequest,
  mappings: MappingLookup,
  frozen: FrozenPlan | undefined,
  clock = new Date(),
): Plan {
  // Products, organizations, workspaces: one step over the connector's list.
  if (req.list !== undefined) return makeListPlan(account, connector, req, mappings, frozen, clock);
  const now = frozen?.at ?? clock;
  const slug = connector.spec.slug;
  const report = connector.spec.reports?.[req.reportType];
  const supported = supportedReports(connector, account);
  if (!report) {
    throw new AppError(
      'unsupported_report_type',
      `report_type=${req.reportType} is not available for ${slug} accounts${req.reportTypeExplicit ? '' : ' (it is the default when no report_type is given)'}. This account supports: ${supported.join(', ') || 'none'}.`,
      { details: { parameter: 'report_type', allowed: supported } },
    );
  }
  const usable = usableSources(connector, report, account);
  if (usable.length === 0) throw missingCredential(connector, report, account, req, supported);
  const chosen = selectSources(report, usable, req, slug);

  const regroup = regroupFor(chosen, connector, req);
  // A granularity the gateway can honour (the vendor's own, or coarser) is not the vendor's to take.
  const byGateway =
    req.params.granularity !== undefined && nativeGranularities(chosen, connector) !== undefined;
  const sources = chosen.map((s) => planSource(s, connector, account, req, mappings, byGateway));
  const asked = () =>
    resolveRange(req, report.default_days ?? DEFAULT_RANGE_DAYS, report.default_end_offset_days ?? 0, now);
  // One source narrows the range to what it has; several each narrow their own part of it.
  const range =
    frozen?.range ??
    (sources.length === 1 ? clampToAvailable(asked(), (sources[0] as SourcePlan).resource, now) : asked());
  const maxDays = report.max_range_days ?? DEFAULT_MAX_RANGE_DAYS;
  if (range.end.getTime() - range.start.getTime() > maxDays * DAY_MS) {
    throw new AppError(
      'invalid_parameter',
      `The date range is longer than the ${maxDays} days report_type=${req.reportType} allows on ${slug}; ask for a shorter range.`,
      { details: { parameter: 'start_date' } },
    );
  }
  const byPeriod = chosen.some((s) => s.period !== undefined);
  const boundary = byPeriod && report.settle ? settleBoundary(report.settle, now) : undefined;
  const steps = byPeriod
    ? periodSteps(chosen, sources, range, boundary, now, regroup)
    : windowSteps(sources, range, now, regroup);
  const productsChosen = chosen.some((s) => s.product !== undefined);
  return {
    account,
    connector,
    reportType: req.reportType,
    range,
    steps,
    at: now,
    boundary,
    regroup,
    productsChosen,
  };
}

/** One source, the settled/unsettled pair that splits the range, or the products fanned out over. */
function selectSources(
  report: Report,
  usable: ReportSource[],
  req: UsageRequest,
  slug: string,
): ReportSource[] {
  if (usable.some((s) => s.product !== undefined)) {
    return chooseProducts(report, usable, req.params.product_ids, slug, req.reportType);
  }
  if (usable.some((s) => s.period !== undefined)) return usable;
  return usable.slice(0, 1);
}

function planSource(
  source: ReportSource,
  connector: Connector,
  account: Account,
  req: UsageRequest,
  mappings: MappingLookup,
  regrouped: boolean,
): SourcePlan {
  const slug = connector.spec.slug;
  const resource = connector.spec.resources?.[source.resource] as Resource;
  const vendorParams = pushDown(resource, req, slug);
  refuseUndeclared(resource, req, slug, regrouped ? new Set(['granularity']) : undefined);
  const mappingName = source.mapping ?? req.reportType;
  const mapping = mappings(slug, mappingName, account);
  if (!mapping) throw new Error(`no mapping ${mappingName} for ${slug}`);
  return { name: source.resource, resource, mapping, vendorParams };
}

/**
 * A granularity the vendor does not take but whose buckets are coarser than its own is summed by
 * the gateway after mapping (hourly data asked for by day); a finer one is refused.
 */
function regroupFor(
  chosen: ReportSource[],
  connector: Connector,
  req: UsageRequest,
): Granularity | undefined {
  const asked = req.params.granularity as Granularity | undefined;
  if (asked === undefined) return undefined;
  const native = nativeGranularities(chosen, connector);
  if (native === undefined) return undefined;
  const order = (g: Granularity) => GRANULARITY_ORDER[g];
  const coarsest = native.reduce((a, b) => (order(a) >= order(b) ? a : b));
  const finest = native.reduce((a, b) => (order(a) <= order(b) ? a : b));
  if (order(asked) < order(coarsest)) {
    throw new AppError(
      'unsupported_parameter',
      `granularity=${asked} is finer than the ${coarsest} buckets ${connector.spec.slug} reports for report_type=${req.reportType}; ask for ${coarsest} or coarser.`,
      { details: { parameter: 'granularity', allowed: granularitiesFrom(coarsest) } },
    );
  }
  // Summed wherever some source is finer than asked (sources already at it pass unchanged).
  return order(asked) > order(finest) ? asked : undefined;
}

/** The buckets of each source, when none takes a granularity and all declare their own. */
function nativeGranularities(chosen: ReportSource[], connector: Connector): Granularity[] | undefined {
  const resources = chosen.map((s) => connector.spec.resources?.[s.resource] as Resource);
  if (resources.some((r) => r.params?.granularity || !r.native_granularity)) return undefined;
  return resources.map((r) => r.native_granularity as Granularity);
}

function granularitiesFrom(finest: Granularity): Granularity[] {
  return (Object.keys(GRANULARITY_ORDER) as Granularity[]).filter(
    (g) => GRANULARITY_ORDER[g] >= GRANULARITY_ORDER[finest],
  );
}

/**
 * Steps of one source, or of products fanned out: one per date window. Fanned-out products share
 * each window (the shortest any of them allows), each reading the part of it it has data for, and
 * are merged in date order.
 */
function windowSteps(
  sources: SourcePlan[],
  range: DateRange,
  now: Date,
  regroup: Granularity | undefined,
): Step[] {
  const first = sources[0] as SourcePlan;
  const rule = sources
    .map((s) => s.resource.window)
    .reduce((a, b) => (a === undefined || (b !== undefined && b.max_days < a.max_days) ? b : a));
  const whole = sources.length > 1 || regroup !== undefined || first.mapping.aggregate;
  const steps: Step[] = [];
  const windows = range.end > range.start ? splitWindows(range.start, range.end, rule) : [];
  for (const window of windows) {
    const parts = sources
      .map((source) => ({ source, part: clampToAvailable(window, source.resource, now) }))
      .filter(({ part }) => part.end > part.start);
    if (parts.length === 0) continue;
    steps.push({
      window,
      sources: parts.map((p) => p.source),
      windows: parts.map((p) => p.part),
      whole,
    });
  }
  return steps;
}

/** Steps of the settled source up to the boundary, then those of the unsettled one. */
function periodSteps(
  chosen: ReportSource[],
  sources: SourcePlan[],
  range: DateRange,
  boundary: Date | undefined,
  now: Date,
  regroup: Granularity | undefined,
): Step[] {
  const steps: Step[] = [];
  for (const part of ['settled', 'unsettled'] as const) {
    const i = chosen.findIndex((s) => s.period === part);
    const source = sources[i];
    if (!source) continue;
    const sub = boundary ? splitAt(range, boundary, part) : range;
    const clamped = clampToAvailable(sub, source.resource, now);
    if (clamped.end <= clamped.start) continue;
    const whole = regroup !== undefined || source.mapping.aggregate;
    for (const window of splitWindows(clamped.start, clamped.end, source.resource.window)) {
      steps.push({ window, sources: [source], windows: [window], whole });
    }
  }
  return steps;
}

function missingCredential(
  connector: Connector,
  report: Report,
  account: Account,
  req: UsageRequest,
  supported: string[],
): AppError {
  const fields = [
    ...new Set(sourcesOf(report).map((s) => connector.spec.resources?.[s.resource]?.credential ?? '')),
  ];
  const field = fields.join(' or ');
  const described = fields.map((f) => `${f}: ${connector.spec.credentials[f]?.description ?? f}`).join('; ');
  return new AppError(
    'missing_credential',
    `report_type=${req.reportType} needs the ${field} credential (${described}); add it with PATCH /integrated-accounts/${account.id}. With its current credentials this account supports: ${supported.join(', ') || 'none'}.`,
    { details: { parameter: 'report_type', credential: field, allowed: supported } },
  );
}
