import { Type, type Static } from '@sinclair/typebox';
import { ConnectorLists } from './lists.js';

/**
 * The schema of `connectors/<slug>/connector.yaml`: what to call, as data. A connector without
 * `resources` is declared but not implemented yet: accounts can be connected, usage answers 501.
 */
const FieldSpec = Type.Object(
  {
    description: Type.String(),
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(
      Type.String({ description: 'Value used when the account gives none (e.g. a vendor site)' }),
    ),
  },
  { additionalProperties: false },
);

export const AuthScheme = Type.Union([
  Type.Object(
    {
      type: Type.Literal('header'),
      header: Type.String({ description: 'Header that carries the credential, e.g. x-api-key' }),
      prefix: Type.Optional(Type.String({ description: 'Text before the credential, e.g. "Bearer "' })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('basic'),
      username: Type.String({ description: 'Credential field used as the user name' }),
      password: Type.Optional(
        Type.String({ description: 'Credential field used as the password (empty when absent)' }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('headers'),
      headers: Type.Record(Type.String(), Type.String({ description: 'Credential field for this header' })),
    },
    { additionalProperties: false },
  ),
]);
export type AuthScheme = Static<typeof AuthScheme>;

/**
 * How a vendor writes a time in a header: `seconds` from now (a fraction allowed), `ms` from now,
 * `epoch_s` / `epoch_ms` instants, `http_date`; `seconds_or_http_date` is Retry-After's own rule.
 */
export const TimeFormat = Type.Union([
  Type.Literal('seconds'),
  Type.Literal('ms'),
  Type.Literal('epoch_s'),
  Type.Literal('epoch_ms'),
  Type.Literal('http_date'),
  Type.Literal('seconds_or_http_date'),
]);
export type TimeFormat = Static<typeof TimeFormat>;

export const RetryPolicy = Type.Object(
  {
    attempts: Type.Integer({ minimum: 1, maximum: 6, description: 'Tries in all, first one included' }),
    base_delay_ms: Type.Integer({ minimum: 0, maximum: 10000 }),
    max_retry_after_s: Type.Number({
      minimum: 0,
      maximum: 60,
      description: 'Longest Retry-After waited for in-request',
    }),
  },
  { additionalProperties: false },
);

export const RateLimit = Type.Object(
  {
    group: Type.String({ description: 'Calls sharing this group share the bucket' }),
    requests: Type.Integer({ minimum: 1 }),
    per_seconds: Type.Number({ exclusiveMinimum: 0 }),
    scope: Type.Optional(
      Type.Union([Type.Literal('account'), Type.Literal('credential')], {
        description:
          'account (default): per integrated account; credential: shared by every account with the same key (vendor limits per organisation)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Where a value goes in the vendor request: the query string (default) or the JSON body. */
export const Placement = Type.Union([Type.Literal('query'), Type.Literal('body')]);
export type Placement = Static<typeof Placement>;

export const Pagination = Type.Union([
  Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('token'),
      description: Type.Optional(Type.String()),
      param: Type.String({ description: 'Parameter that sends the token' }),
      next_path: Type.String({ description: 'Response path of the next token' }),
      has_more_path: Type.Optional(Type.String({ description: 'Response path of a has-more flag' })),
      in: Type.Optional(Placement),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('page_number'),
      param: Type.String(),
      size_param: Type.Optional(Type.String()),
      first_page: Type.Integer({ minimum: 0 }),
      total_pages_path: Type.Optional(Type.String()),
      has_next_path: Type.Optional(Type.String()),
      current_page_path: Type.Optional(
        Type.String({
          description:
            'Response path of the page number the vendor says it served; the next page follows it, so a vendor that ignores the page asked for hands back a page already read and paging stops',
        }),
      ),
      in: Type.Optional(Placement),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('next_url'),
      next_path: Type.String({ description: 'Response path of the full next-page URL (or token)' }),
      token_param: Type.Optional(
        Type.String({ description: 'When the value is a bare token: the query parameter for it' }),
      ),
    },
    { additionalProperties: false },
  ),
]);
export type Pagination = Static<typeof Pagination>;

/**
 * A query value: a literal or a template over `{window.start}`, `{window.end}`, `{context.x}`
 * (a window bound may name its own format: `{window.start:epoch_ms}`); a list repeats the parameter.
 */
const Template = Type.Union([Type.String(), Type.Array(Type.String())]);

/** The JSON type a body value is sent as; templates are text until converted. */
export const ValueType = Type.Union(
  [Type.Literal('string'), Type.Literal('number'), Type.Literal('integer'), Type.Literal('boolean')],
  { description: 'JSON type of the value in the body (numbers for epoch dates, say)' },
);
export type ValueType = Static<typeof ValueType>;

/**
 * A JSON body value: a literal (numbers and booleans stay typed), a template string, a typed
 * template `{ value: '{window.start}', type: number }`, or a list of these.
 */
const BodyScalar = Type.Union([
  Type.String(),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
  Type.Object({ value: Type.String(), type: ValueType }, { additionalProperties: false }),
]);
export const BodyValue = Type.Union([BodyScalar, Type.Array(BodyScalar)]);
export type BodyValue = Static<typeof BodyValue>;

/**
 * How several values of one parameter are sent: `brackets` (`a[]=x&a[]=y`), `repeat`
 * (`a=x&a=y`), `comma` (`a=x,y`); in a JSON body, `comma` is one joined string and the others a
 * JSON array.
 */
export const ListStyle = Type.Union([
  Type.Literal('brackets'),
  Type.Literal('repeat'),
  Type.Literal('comma'),
]);
export type ListStyle = Static<typeof ListStyle>;

/**
 * How a unified parameter reaches the vendor. Declared parameters are pushed down; anything the
 * resource does not declare is applied by the gateway or refused.
 */
export const ParamPushdown = Type.Object(
  {
    param: Type.String({ description: 'Vendor parameter; a name ending in [] implies style brackets' }),
    style: Type.Optional(ListStyle),
    in: Type.Optional(Placement),
    type: Type.Optional(ValueType),
    map: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Unified value → vendor value; values not listed are refused',
      }),
    ),
    default: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], {
        description: 'Vendor value(s) sent when the caller gives none',
      }),
    ),
    invert: Type.Optional(
      Type.Boolean({ description: 'For booleans: send the opposite (include_x → exclude_x)' }),
    ),
  },
  { additionalProperties: false },
);
export type ParamPushdown = Static<typeof ParamPushdown>;

/**
 * How window bounds are written: `date` YYYY-MM-DD, `rfc3339`, `epoch_s`, `epoch_ms`, `hour`
 * YYYY-MM-DDThh, `month` YYYY-MM.
 */
export const DateFormat = Type.Union([
  Type.Literal('date'),
  Type.Literal('rfc3339'),
  Type.Literal('epoch_s'),
  Type.Literal('epoch_ms'),
  Type.Literal('hour'),
  Type.Literal('month'),
]);
export type DateFormat = Static<typeof DateFormat>;

export const Window = Type.Object(
  {
    max_days: Type.Integer({ minimum: 1, description: 'Longest range one call may ask for' }),
    align: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('month')])),
  },
  { additionalProperties: false },
);

export const Resource = Type.Object(
  {
    method: Type.Union([Type.Literal('GET'), Type.Literal('POST')]),
    path: Type.String({ pattern: '^/' }),
    base_url: Type.Optional(
      Type.Object(
        {
          default: Type.String({ description: "This resource's vendor address (may hold {context.x})" }),
          context: Type.String({
            description: 'The context field that overrides it for an account (an emulator, a proxy)',
          }),
        },
        {
          additionalProperties: false,
          description:
            "For a resource on another address than the connector's (a second API of the vendor); its host must be allowed too",
        },
      ),
    ),
    credential: Type.String({ description: 'Credential field this resource authenticates with' }),
    query: Type.Optional(Type.Record(Type.String(), Template)),
    body: Type.Optional(
      Type.Record(Type.String(), BodyValue, {
        description: 'JSON request body (POST): field → value, templates filled as in query',
      }),
    ),
    records_path: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 })], {
      description:
        "Where the records are in the response body; with a list, the first path present wins (field drift); '.' is the body itself as one record",
    }),
    params: Type.Optional(Type.Record(Type.String(), ParamPushdown)),
    lookups: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            resource: Type.String({
              description: 'Resource read whole (all pages) and cached, e.g. a users list',
            }),
            key: Type.String({ description: 'Path of the key in each of its records' }),
            ignore_case: Type.Optional(
              Type.Boolean({ description: 'Keys compare case-insensitively (emails, say)' }),
            ),
          },
          { additionalProperties: false },
        ),
        { description: 'Tables the mapping may join on with { lookup: name, key, field }' },
      ),
    ),
    min_date: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        description: 'The vendor has no data before this day; ranges are clamped to it',
      }),
    ),
    availability_lag_hours: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'A day is available this long after it ends; later ends are clamped',
      }),
    ),
    max_age_days: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'The vendor serves only this many days back from today (UTC); earlier starts are clamped',
      }),
    ),
    pagination: Pagination,
    page_size: Type.Optional(
      Type.Object(
        {
          param: Type.String(),
          max: Type.Integer({ minimum: 1 }),
          default: Type.Integer({ minimum: 1 }),
          in: Type.Optional(Placement),
          max_by: Type.Optional(
            Type.Object(
              {
                param: Type.String({ description: 'Vendor parameter whose value sets the maximum' }),
                values: Type.Record(Type.String(), Type.Integer({ minimum: 1 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    window: Type.Optional(Window),
    date_format: Type.Optional(DateFormat),
    window_end: Type.Optional(
      Type.Union([Type.Literal('exclusive'), Type.Literal('inclusive')], {
        description:
          'exclusive (default): {window.end} is the first instant after the window; inclusive: its last (…T23:59:59.999Z, the previous day, hour or month in coarser formats)',
      }),
    ),
    native_granularity: Type.Optional(
      Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], {
        description:
          'Time buckets the vendor answers in when granularity is not pushed down; a coarser granularity asked for is summed by the gateway',
      }),
    ),
    rate_limit_group: Type.Optional(
      Type.String({ description: 'Which declared rate limit this resource counts against' }),
    ),
    docs_url: Type.String(),
  },
  { additionalProperties: false },
);
export type Resource = Static<typeof Resource>;

const ReportSource = Type.Object(
  {
    resource: Type.String(),
    mapping: Type.Optional(Type.String({ description: 'Mapping file name; defaults to the report type' })),
    period: Type.Optional(
      Type.Union([Type.Literal('settled'), Type.Literal('unsettled')], {
        description:
          "Part of the range this source serves: before the report's settle boundary, or from it on (a final bill vs an estimate)",
      }),
    ),
    product: Type.Optional(
      Type.String({
        description:
          'The product_ids value that selects this source; the report fans out over the chosen products and merges their rows in date order',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReportSource = Static<typeof ReportSource>;

export const Report = Type.Object(
  {
    description: Type.Optional(Type.String()),
    resource: Type.String({
      description:
        'The resource serving this report (the first whose credential the account holds, with also)',
    }),
    mapping: Type.Optional(Type.String({ description: 'Mapping file name; defaults to the report type' })),
    period: ReportSource.properties.period,
    product: ReportSource.properties.product,
    also: Type.Optional(
      Type.Array(ReportSource, {
        description:
          'Other sources: for accounts holding another credential (in order of preference), for the other period, or for other products',
      }),
    ),
    settle: Type.Optional(
      Type.Object(
        {
          align: Type.Union([Type.Literal('day'), Type.Literal('month')]),
          lag_hours: Type.Integer({
            minimum: 0,
            description: 'A period is settled this long after it ends',
          }),
        },
        {
          additionalProperties: false,
          description:
            'Where settled sources end and unsettled ones begin: the start of the day or month that held now - lag_hours',
        },
      ),
    ),
    default_products: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description: 'Products fanned out over when the caller names none',
      }),
    ),
    default_days: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Range when the caller gives none' }),
    ),
    default_end_offset_days: Type.Optional(Type.Integer({ minimum: 0 })),
    max_range_days: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Longest range a caller may ask for; longer is a 400' }),
    ),
  },
  { additionalProperties: false },
);

export type Report = Static<typeof Report>;

export const ConnectorSpec = Type.Object(
  {
    slug: Type.String({ pattern: '^[a-z][a-z0-9_-]*$' }),
    name: Type.String(),
    docs_url: Type.String(),
    base_url: Type.String({ description: 'Default vendor address; may contain {context.x} placeholders' }),
    allowed_hosts: Type.Array(Type.String(), { minItems: 1 }),
    credentials: Type.Record(Type.String(), FieldSpec),
    credentials_rule: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('any')])),
    context: Type.Optional(Type.Record(Type.String(), FieldSpec)),
    auth: Type.Optional(AuthScheme),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 120000 })),
    rate_limit_headers: Type.Optional(
      Type.Object(
        {
          limit: Type.Optional(Type.String()),
          remaining: Type.Optional(Type.String()),
          reset: Type.Optional(Type.String()),
          reset_format: Type.Optional(TimeFormat),
        },
        {
          additionalProperties: false,
          description: 'Vendor-specific names of its rate-limit headers, passed on as ratelimit-*',
        },
      ),
    ),
    retry_after_headers: Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), format: TimeFormat }, { additionalProperties: false }), {
        minItems: 1,
        description:
          'Headers that say when to retry, first present wins (default: retry-after-ms in ms, retry-after in seconds or an HTTP date)',
      }),
    ),
    errors: Type.Optional(
      Type.Object(
        {
          message_paths: Type.Array(Type.String(), {
            minItems: 1,
            description:
              "Where the vendor's error body says what went wrong (first found wins; `errors.0` indexes a list; an object found is read for detail, message or title)",
          }),
        },
        { additionalProperties: false },
      ),
    ),
    auth_failure_statuses: Type.Optional(
      Type.Array(Type.Integer({ minimum: 400, maximum: 499 }), {
        description: 'Vendor statuses that mean the credentials were refused (default 401, 403)',
      }),
    ),
    retry: Type.Optional(RetryPolicy),
    rate_limits: Type.Optional(Type.Array(RateLimit)),
    cache: Type.Optional(
      Type.Object(
        {
          fresh_ttl_s: Type.Integer({
            minimum: 0,
            description: 'TTL of answers about periods that may still change',
          }),
          settled_ttl_s: Type.Integer({ minimum: 0, description: 'TTL of answers about settled periods' }),
          settled_after_hours: Type.Integer({
            minimum: 0,
            description: 'How long after its end a period is settled',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    resources: Type.Optional(Type.Record(Type.String(), Resource)),
    reports: Type.Optional(Type.Record(Type.String(), Report)),
    lists: Type.Optional(ConnectorLists),
  },
  { additionalProperties: false, $id: 'ConnectorSpec' },
);
export type ConnectorSpec = Static<typeof ConnectorSpec>;
