import type { Account } from '../schemas/account.js';
import type { Resource } from '../schemas/connector.js';
import { LIST_SCHEMAS, leafPaths, type ListName, type ListSource } from '../schemas/lists.js';
import { AppError } from '../errors.js';
import type { Connector, ConnectorRegistry } from './registry.js';
import type { UsageRequest } from './usage-request.js';
import type { FrozenPlan, MappingLookup, Plan, SourcePlan } from './plan.js';
import { getPath } from './path.js';

/**
 * The other resources of the Usage Metering API (products, organizations, workspaces), served by
 * the usage engine: a list is a plan of one step, read vendor page by vendor page from the
 * connector's resource (or from the records its file lists), mapped by `mappings/<slug>/lists/`,
 * answered in every format with the same cursors as usage.
 */

/** One way to read a list: a resource (paged) or the connector file's own records. */
export interface ListSourceRef {
  resource?: string;
  records?: readonly Record<string, unknown>[];
  mapping: string;
}

/** The name a list mapping file is known by in the mapping catalog. */
export function listMappingName(file: string): string {
  return `lists/${file}`;
}

/** Every source of a list, the main one first (the others serve accounts holding another credential). */
export function listSourcesOf(list: ListName, spec: ListSource): ListSourceRef[] {
  const mapping = spec.mapping ?? list;
  if (spec.records !== undefined) return [{ records: spec.records, mapping }];
  return [
    { resource: spec.resource as string, mapping },
    ...(spec.also ?? []).map((a) => ({ resource: a.resource, mapping: a.mapping ?? mapping })),
  ];
}

/** The integrations that have a list, for the 400 an integration without it answers. */
export function integrationsWith(registry: ConnectorRegistry, list: ListName): string[] {
  return registry
    .all()
    .filter((c) => c.spec.lists?.[list] !== undefined)
    .map((c) => c.spec.slug);
}

/** Which lists an account can read now: those whose resource's credential it holds. */
export function listAvailability(
  connector: Connector | undefined,
  account: Account,
): { resource: ListName; available: boolean; credential: string | null; description: string | null }[] {
  const lists = connector?.spec.lists ?? {};
  return (Object.keys(LIST_SCHEMAS) as ListName[])
    .filter((l) => lists[l] !== undefined)
    .map((list) => {
      const spec = lists[list] as ListSource;
      const sources = listSourcesOf(list, spec);
      const usable = connector ? usableListSource(connector, sources, account) : undefined;
      const first = usable ?? sources[0];
      const credential =
        first?.resource === undefined
          ? null
          : (connector?.spec.resources?.[first.resource]?.credential ?? null);
      return {
        resource: list,
        available: usable !== undefined,
        credential,
        description: spec.description ?? null,
      };
    });
}

function usableListSource(
  connector: Connector,
  sources: ListSourceRef[],
  account: Account,
): ListSourceRef | undefined {
  return sources.find((s) => {
    if (s.records !== undefined) return true;
    const res = connector.spec.resources?.[s.resource as string];
    return res !== undefined && account.credentials[res.credential] !== undefined;
  });
}

/** A connector's fixed records, read like a vendor page that holds them all (no call is made). */
export type StaticResource = Resource & { readonly static_records: readonly unknown[] };

export function staticRecordsOf(resource: Resource): readonly unknown[] | undefined {
  return (resource as Partial<StaticResource>).static_records;
}

function staticResource(records: readonly unknown[]): StaticResource {
  return {
    method: 'GET',
    path: '/',
    credential: '',
    records_path: '.',
    pagination: { type: 'none' },
    static_records: records,
  } as unknown as StaticResource;
}

/** The plan of a list request: one step over the list's resource (or its fixed records). */
export function makeListPlan(
  account: Account,
  connector: Connector,
  req: UsageRequest,
  mappings: MappingLookup,
  frozen: FrozenPlan | undefined,
  now: Date,
): Plan {
  const list = req.list as ListName;
  const slug = connector.spec.slug;
  const spec = connector.spec.lists?.[list];
  if (!spec) {
    const can = req.listServedBy ?? [];
    throw new AppError(
      'unsupported_parameter',
      `${list} are not available for ${slug} accounts: the ${slug} API has no such list. Integrations with ${list}: ${can.join(', ') || 'none'}.`,
      { details: { resource: list, integration: slug, integrations: can } },
    );
  }
  const sources = listSourcesOf(list, spec);
  const source = usableListSource(connector, sources, account);
  if (!source) {
    const fields = [
      ...new Set(sources.map((s) => connector.spec.resources?.[s.resource as string]?.credential ?? '')),
    ];
    const field = fields.join(' or ');
    throw new AppError(
      'missing_credential',
      `${list} on ${slug} need the ${field} credential (${fields.map((f) => `${f}: ${connector.spec.credentials[f]?.description ?? f}`).join('; ')}); add it with PATCH /integrated-accounts/${account.id}.`,
      { details: { resource: list, credential: field } },
    );
  }
  const mapping = mappings(slug, listMappingName(source.mapping), account);
  if (!mapping) throw new Error(`no list mapping ${source.mapping} for ${slug}`);
  const resource =
    source.records !== undefined
      ? staticResource(source.records)
      : (connector.spec.resources?.[source.resource as string] as Resource);
  const plannedAt = frozen?.at ?? now;
  // Lists are not dated: the window (unused by list resources) ends when the first page was asked.
  const range = frozen?.range ?? { start: new Date(0), end: plannedAt };
  const sourcePlan: SourcePlan = {
    name: source.resource ?? `lists.${list}`,
    resource,
    mapping,
    vendorParams: [],
  };
  return {
    account,
    connector,
    reportType: listMappingName(list),
    range,
    steps: [{ window: range, sources: [sourcePlan], windows: [range], whole: false }],
    at: plannedAt,
    boundary: undefined,
    productsChosen: false,
    regroup: undefined,
  };
}

const COLUMNS: Record<ListName, readonly string[]> = Object.fromEntries(
  Object.entries(LIST_SCHEMAS).map(([l, schema]) => [l, leafPaths(schema)]),
) as unknown as Record<ListName, readonly string[]>;

/** The `normalized` columns of a list: every leaf of its schema, in schema order. */
export function listColumns(list: ListName): readonly string[] {
  return COLUMNS[list];
}

/** A list record as a flat row of dotted columns, every column present (null when absent). */
export function normalizeListRow(
  row: object,
  list: ListName,
  exclude: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const col of COLUMNS[list]) {
    if (exclude.some((e) => col === e || col.startsWith(`${e}.`))) continue;
    out[col] = getPath(row, col) ?? null;
  }
  return out;
}
