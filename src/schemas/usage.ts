import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The Usage row of the public Usage Metering API, field for field.
 * Every object is open to `null` where a fact is absent: absent facts are never 0.
 */
const Num = Type.Union([Type.Number(), Type.Null()]);
const Str = Type.Union([Type.String(), Type.Null()]);
const Bool = Type.Union([Type.Boolean(), Type.Null()]);
const counts = (...names: string[]) =>
  Type.Object(Object.fromEntries(names.map((n) => [n, Type.Optional(Num)])) as Record<string, TSchema>);

export const ChargeType = Type.Union(
  [
    'total',
    'net',
    'on_demand',
    'committed',
    'included',
    'usage_based',
    'discount',
    'tax',
    'credit',
    'platform_fee',
  ].map((v) => Type.Literal(v)),
);

export const Charge = Type.Object({
  amount: Num,
  currency: Str,
  type: ChargeType,
});

export const UsageMetrics = Type.Object({
  quantity: Type.Optional(Num),
  unit: Type.Optional(Str),
  requests: Type.Optional(
    counts(
      'total',
      'chat',
      'agent',
      'composer',
      'cmdk',
      'tab_shown',
      'tab_accepted',
      'api_key',
      'included',
      'usage_based',
      'bugbot',
    ),
  ),
  sessions: Type.Optional(counts('distinct', 'dispatch_turns')),
  conversations: Type.Optional(
    counts(
      'distinct',
      'message_count',
      'thinking_message_count',
      'shared_viewed_count',
      'turn_count',
      'thread_count',
    ),
  ),
  code: Type.Optional(
    Type.Object({
      lines_added: Type.Optional(Num),
      lines_removed: Type.Optional(Num),
      lines_accepted_added: Type.Optional(Num),
      lines_accepted_removed: Type.Optional(Num),
      applies: Type.Optional(Num),
      accepts: Type.Optional(Num),
      rejects: Type.Optional(Num),
      commits: Type.Optional(Num),
      pull_requests: Type.Optional(Num),
      tool_actions: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
      file_extensions: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    }),
  ),
  tokens: Type.Optional(
    counts(
      'input',
      'output',
      'cache_read',
      'cache_write',
      'cache_write_ephemeral_5m',
      'cache_write_ephemeral_1h',
      'total',
    ),
  ),
  tools: Type.Optional(
    counts(
      'web_search_count',
      'connectors_used_count',
      'distinct_connectors_used_count',
      'skills_used_count',
      'distinct_skills_used_count',
      'action_count',
    ),
  ),
  activity: Type.Optional(
    Type.Object({
      is_active: Type.Optional(Bool),
      max_mode: Type.Optional(Bool),
      client_version: Type.Optional(Str),
    }),
  ),
});

export const UsageRow = Type.Object(
  {
    id: Type.String({ description: 'Deterministic id: the same vendor fact always gets the same id.' }),
    product: Type.Optional(
      Type.Union([Type.Object({ id: Type.String(), name: Type.Optional(Str) }), Type.Null()]),
    ),
    metric_name: Type.Optional(Str),
    resources: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.Optional(Str),
          name: Type.Optional(Str),
          workspace: Type.Optional(
            Type.Union([Type.Object({ id: Type.Optional(Str), name: Type.Optional(Str) }), Type.Null()]),
          ),
        }),
      ),
    ),
    organization: Type.Optional(
      Type.Union([Type.Object({ id: Type.String(), name: Type.Optional(Str) }), Type.Null()]),
    ),
    user: Type.Optional(
      Type.Union([
        Type.Object({ id: Type.Optional(Str), email: Type.Optional(Str), name: Type.Optional(Str) }),
        Type.Null(),
      ]),
    ),
    model: Type.Optional(
      Type.Union([Type.Object({ id: Type.Optional(Str), provider: Type.Optional(Str) }), Type.Null()]),
    ),
    charges: Type.Optional(Type.Array(Charge)),
    usage: Type.Optional(UsageMetrics),
    start_date: Type.Optional(Str),
    end_date: Type.Optional(Str),
    created_at: Type.Optional(Str),
    updated_at: Type.Optional(Str),
    surface: Type.Optional(Str),
    remote_data: Type.Optional(Type.Unknown()),
  },
  { $id: 'UsageRow', description: 'One usage fact in the unified schema.' },
);
export type UsageRow = Static<typeof UsageRow>;

/**
 * Every leaf path of the Usage row in schema order: the columns of the `normalized` format and
 * the only targets a mapping may write to.
 */
export const USAGE_LEAF_PATHS: readonly string[] = (() => {
  const out: string[] = [];
  const visit = (schema: TSchema, prefix: string): void => {
    const s = schema as TSchema & { anyOf?: TSchema[]; properties?: Record<string, TSchema>; type?: string };
    const obj = s.anyOf ? s.anyOf.find((x) => (x as { type?: string }).type === 'object') : s;
    const props = (obj as { properties?: Record<string, TSchema> } | undefined)?.properties;
    const isRecord = (obj as { patternProperties?: unknown } | undefined)?.patternProperties !== undefined;
    if (props && !isRecord) {
      for (const [k, v] of Object.entries(props)) visit(v, prefix ? `${prefix}.${k}` : k);
    } else {
      out.push(prefix);
    }
  };
  visit(UsageRow, '');
  return out.filter((p) => p !== 'remote_data');
})();
