import { Type, type Static } from '@sinclair/typebox';

export const REPORT_TYPES = [
  'activity',
  'connector_usage',
  'cost',
  'project_usage',
  'skill_usage',
  'summary',
  'usage',
  'user_cost',
  'user_usage',
] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const RESPONSE_FORMATS = ['unified', 'raw', 'normalized', 'stream', 'debug'] as const;
export const GROUP_BY_DIMENSIONS = [
  'product',
  'surface',
  'model',
  'user',
  'charge_type',
  'token_type',
  'day',
] as const;

/** A union of string literals, typed as the union of those strings. */
const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      { description },
    ),
  );
const DATE_OR_DATETIME =
  '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$';
const LIST_STYLES = 'Accepts a=x,y, repeated a=x&a=y, a[]=x and a[0]=x.';
const StringList = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 512 }), {
    maxItems: 500,
    description: `${description} ${LIST_STYLES}`,
  });
const BoolParam = (description: string) => Type.Boolean({ description });

/**
 * Query parameters of GET /unified/usage-metering/usage (DESIGN 1.1). Array parameters are
 * listed in ARRAY_PARAMS so the query normaliser can split comma lists before validation.
 */
export const UsageQuery = Type.Object(
  {
    integrated_account_id: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Which connected vendor account to read.',
    }),
    truto_response_format: Type.Optional(
      literals(
        RESPONSE_FORMATS,
        'unified (default): unified rows; raw: vendor bodies untouched; normalized: flat rows with dotted keys; stream: NDJSON of every row of the range; debug: unified plus upstream call details.',
      ),
    ),
    truto_key_by: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Return `result` as an object keyed by this field of each row (dotted paths allowed).',
      }),
    ),
    truto_ignore_limit: Type.Optional(
      BoolParam('Do not cap rows at `limit`: return everything one upstream page gives.'),
    ),
    truto_ignore_remote_data: Type.Optional(BoolParam('Leave `remote_data` out of each row.')),
    truto_exclude_fields: Type.Optional(StringList('Fields to drop from each row; dotted paths allowed.')),
    remote_query: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
        description:
          'Vendor query parameters passed through untouched (remote_query[foo]=bar). Cannot replace authentication, host or path.',
      }),
    ),
    report_type: Type.Optional(
      literals(
        REPORT_TYPES,
        'Usage view to retrieve. Defaults to activity, or usage when a date range is given.',
      ),
    ),
    start_date: Type.Optional(
      Type.String({
        pattern: DATE_OR_DATETIME,
        description: 'Inclusive start, YYYY-MM-DD or RFC 3339, UTC.',
      }),
    ),
    end_date: Type.Optional(
      Type.String({ pattern: DATE_OR_DATETIME, description: 'Exclusive end, YYYY-MM-DD or RFC 3339, UTC.' }),
    ),
    product_ids: Type.Optional(
      StringList('Keep rows of these unified product ids or source product identifiers.'),
    ),
    user_ids: Type.Optional(
      StringList('Keep rows of these source user ids (or emails where the vendor has no ids).'),
    ),
    model_ids: Type.Optional(StringList('Keep rows of these AI model ids.')),
    surfaces: Type.Optional(
      StringList('Keep rows of these product surfaces, e.g. chat, api, cli, composer, code.'),
    ),
    group_by: Type.Optional(
      Type.Array(literals(GROUP_BY_DIMENSIONS, 'A grouping dimension.'), {
        maxItems: 10,
        description: `Dimensions to aggregate by. ${LIST_STYLES}`,
      }),
    ),
    granularity: Type.Optional(
      literals(['day', 'hour', 'minute'], 'Time bucket size where the vendor has buckets.'),
    ),
    sort_by: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Metric or dimension to sort by.' }),
    ),
    sort_order: Type.Optional(literals(['asc', 'desc'], 'Sort direction.')),
    include_deleted_users: Type.Optional(
      BoolParam('Include deleted users where the vendor makes that distinction.'),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Rows per response, 1..1000 (default 100).' }),
    ),
    next_cursor: Type.Optional(
      Type.String({
        maxLength: 8192,
        description: 'Continue from a previous response; empty means the first page.',
      }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 8192, description: 'Alias of next_cursor.' })),
    date: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        description: 'A single day, YYYY-MM-DD (vendors with daily reports default to yesterday).',
      }),
    ),
    user_id: Type.Optional(
      Type.String({ minLength: 1, description: 'A single user id; the same as user_ids with one value.' }),
    ),
    api_key_id: Type.Optional(
      Type.String({ minLength: 1, description: 'A single API key id, for vendors that filter by key.' }),
    ),
    page: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Vendor-style page number, for vendors that page by number.' }),
    ),
    page_size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Vendor-style page size.' }),
    ),
  },
  { additionalProperties: false },
);
export type UsageQuery = Static<typeof UsageQuery>;

export const ARRAY_PARAMS: readonly string[] = Object.entries(UsageQuery.properties)
  .filter(([, schema]) => (schema as { type?: string }).type === 'array')
  .map(([name]) => name);
