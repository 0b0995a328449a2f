import type { Account } from '../schemas/account.js';
import type { Report, Resource } from '../schemas/connector.js';
import type { CompiledMapping } from '../mapping/compile.js';
import { AppError } from '../errors.js';
import type { Connector } from './registry.js';
import type { UsageRequest } from './usage-request.js';
import { addDays, startOfUtcDay, DAY_MS } from './dates.js';
import { splitWindows, type DateWindow } from './windows.js';

/** Everything decided before the first vendor call: what to call, over which windows, mapped how. */
export interface Plan {
  account: Account;
  connector: Connector;
  reportType: string;
  resourceName: string;
  resource: Resource;
  mapping: CompiledMapping;
  range: { start: Date; end: Date };
  windows: DateWindow[];
  /** Unified parameters translated into the vendor's own, sent with every call. */
  vendorParams: Record<string, string | string[]>;
}

export type MappingLookup = (
  integration: string,
  mappingName: string,
  account: Account,
) => CompiledMapping | undefined;

const DEFAULT_RANGE_DAYS = 7;
const DEFAULT_MAX_RANGE_DAYS = 366;

/**
 * Parameters a report must declare before it may receive them; anything else the gateway does
 * itself (filters, single day) or refuses, since silently ignoring a parameter gives wrong answers.
 */
const PUSHDOWN_ONLY: readonly (keyof UsageRequest['query'])[] = [
  'group_by',
  'granularity',
  'sort_by',
  'sort_order',
  'include_deleted_users',
  'api_key_id',
  'page',
  'page_size',
];

export function makePlan(
  account: Account,
  connector: Connector,
  req: UsageRequest,
  mappings: MappingLookup,
  range: { start: Date; end: Date } | undefined,
  now = new Date(),
): Plan {
  const reports = connector.spec.reports ?? {};
  const report = reports[req.reportType];
  const supported = Object.keys(reports).filter((r) => {
    const rep = reports[r];
    return rep !== undefined && chooseSource(connector, rep, account) !== undefined;
  });
  if (!report) {
    throw new AppError(
      'unsupported_report_type',
      `report_type=${req.reportType} is not available for ${connector.spec.slug} accounts${req.reportTypeExplicit ? '' : ' (it is the default when no report_type is given)'}. This account supports: ${supported.join(', ') || 'none'}.`,
      { details: { parameter: 'report_type', allowed: supported } },
    );
  }
  const source = chooseSource(connector, report, account);
  if (!source) {
    const fields = [
      ...new Set(sourcesOf(report).map((s) => connector.spec.resources?.[s.resource]?.credential ?? '')),
    ];
    const field = fields.join(' or ');
    const described = fields
      .map((f) => `${f}: ${connector.spec.credentials[f]?.description ?? f}`)
      .join('; ');
    throw new AppError(
      'missing_credential',
      `report_type=${req.reportType} needs the ${field} credential (${described}); add it with PATCH /integrated-accounts/${account.id}. With its current credentials this account supports: ${supported.join(', ') || 'none'}.`,
      { details: { parameter: 'report_type', credential: field, allowed: supported } },
    );
  }
  const resource = connector.spec.resources?.[source.resource] as Resource;
  const vendorParams = pushDown(resource, req, connector.spec.slug);
  for (const name of PUSHDOWN_ONLY) {
    if (req.query[name] !== undefined && !resource.params?.[name]) {
      throw new AppError(
        'unsupported_parameter',
        `${name} is not supported for report_type=${req.reportType} on ${connector.spec.slug}: the vendor cannot apply it and the gateway cannot apply it correctly across pages. Leave it out.`,
        { details: { parameter: name } },
      );
    }
  }
  const mappingName = source.mapping ?? req.reportType;
  const mapping = mappings(connector.spec.slug, mappingName, account);
  if (!mapping) throw new Error(`no mapping ${mappingName} for ${connector.spec.slug}`);

  const resolved = clampToAvailable(
    range ??
      resolveRange(req, report.default_days ?? DEFAULT_RANGE_DAYS, report.default_end_offset_days ?? 0, now),
    resource,
    now,
  );
  const maxDays = report.max_range_days ?? DEFAULT_MAX_RANGE_DAYS;
  if (resolved.end.getTime() - resolved.start.getTime() > maxDays * DAY_MS) {
    throw new AppError(
      'invalid_parameter',
      `The date range is longer than the ${maxDays} days report_type=${req.reportType} allows on ${connector.spec.slug}; ask for a shorter range.`,
      { details: { parameter: 'start_date' } },
    );
  }
  return {
    account,
    connector,
    reportType: req.reportType,
    resourceName: source.resource,
    resource,
    mapping,
    range: resolved,
    windows: splitWindows(resolved.start, resolved.end, resource.window),
    vendorParams,
  };
}

/** Every source of a report, the main one first. */
export function sourcesOf(report: Report): { resource: string; mapping?: string | undefined }[] {
  return [{ resource: report.resource, mapping: report.mapping }, ...(report.also ?? [])];
}

/** The first source whose credential the account holds. */
export function chooseSource(
  connector: Connector,
  report: Report,
  account: Account,
): { resource: string; mapping?: string | undefined } | undefined {
  return sourcesOf(report).find((s) => {
    const res = connector.spec.resources?.[s.resource];
    return res !== undefined && account.credentials[res.credential] !== undefined;
  });
}

/**
 * The vendor has nothing before its first day nor after its latest available one: the range is
 * narrowed to what exists (an empty range gives an empty last page), so a default or generous
 * range never turns into a vendor 400.
 */
function clampToAvailable(
  range: { start: Date; end: Date },
  resource: Resource,
  now: Date,
): { start: Date; end: Date } {
  let { start, end } = range;
  if (resource.min_date) {
    const min = new Date(`${resource.min_date}T00:00:00Z`);
    if (start < min) start = min;
  }
  if (resource.availability_lag_hours !== undefined) {
    const latest = startOfUtcDay(new Date(now.getTime() - resource.availability_lag_hours * 3_600_000));
    if (end > latest) end = latest;
  }
  return end > start ? { start, end } : { start, end: start };
}

/** Translates the unified parameters a resource declares into the vendor's query parameters. */
function pushDown(resource: Resource, req: UsageRequest, slug: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, rule] of Object.entries(resource.params ?? {})) {
    const given = (req.query as Record<string, unknown>)[name];
    const values: string[] =
      given === undefined
        ? rule.default === undefined
          ? []
          : [rule.default].flat()
        : (Array.isArray(given) ? given : [given]).map(String);
    if (values.length === 0) continue;
    const translated = values.map((v) => {
      if (typeof given === 'boolean' && rule.invert) return String(!given);
      if (!rule.map || given === undefined) return v;
      const mapped = rule.map[v];
      if (mapped === undefined) {
        const allowed = Object.keys(rule.map);
        throw new AppError(
          'unsupported_parameter',
          `${name}=${v} is not supported by ${slug} for report_type=${req.reportType}; supported: ${allowed.join(', ')}.`,
          { details: { parameter: name, allowed } },
        );
      }
      return mapped;
    });
    out[rule.param] = rule.param.endsWith('[]') ? translated : (translated[0] as string);
  }
  return out;
}

/** Fills in a missing start or end; `date` means that one day. */
function resolveRange(
  req: UsageRequest,
  defaultDays: number,
  endOffsetDays: number,
  now: Date,
): { start: Date; end: Date } {
  if (req.date !== undefined) {
    if (req.start || req.end) {
      throw new AppError('invalid_parameter', 'Give either date or start_date/end_date, not both.', {
        details: { parameter: 'date' },
      });
    }
    const day = new Date(`${req.date}T00:00:00Z`);
    return { start: day, end: addDays(day, 1) };
  }
  const todayEnd = addDays(startOfUtcDay(now), 1 - endOffsetDays);
  if (req.start && req.end) return { start: req.start, end: req.end };
  if (req.start) {
    if (req.start >= todayEnd) {
      throw new AppError('invalid_parameter', 'start_date is in the future; there is no usage there yet.', {
        details: { parameter: 'start_date' },
      });
    }
    return { start: req.start, end: todayEnd };
  }
  const end = req.end ?? addDays(startOfUtcDay(now), -endOffsetDays);
  return { start: addDays(end, -defaultDays), end };
}
