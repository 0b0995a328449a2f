import { Type, type Static } from '@sinclair/typebox';

export const AccountStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('needs_reauth'),
  Type.Literal('blocked'),
]);

const Slug = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,63}$',
  description: 'Integration slug, e.g. a connector folder name',
});
const Credentials = Type.Record(
  Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
  Type.String({ minLength: 1, maxLength: 4096 }),
  {
    description: 'Write-only secrets, by the field names of the integration. Never returned.',
  },
);
const MappingOverrides = Type.Record(Type.String({ pattern: '^[a-z_]+$' }), Type.Unknown(), {
  description:
    'Per-report mapping overrides in the mapping vocabulary (see src/mapping/README.md), merged onto the base mapping by row name.',
});
const Context = Type.Record(
  Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
  Type.String({ maxLength: 2048 }),
  {
    description: 'Non-secret vendor settings such as `base_url`, `site` or `workspace_id`.',
  },
);

export const AccountCreate = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$',
        description: 'Optional id; generated when absent',
      }),
    ),
    integration: Slug,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    credentials: Credentials,
    context: Type.Optional(Context),
    mapping_overrides: Type.Optional(MappingOverrides),
  },
  { additionalProperties: false },
);
export type AccountCreate = Static<typeof AccountCreate>;

export const AccountPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    credentials: Type.Optional(Credentials),
    context: Type.Optional(Context),
    mapping_overrides: Type.Optional(MappingOverrides),
    status: Type.Optional(AccountStatus),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type AccountPatch = Static<typeof AccountPatch>;

/** What the API shows of an account: credentials only as masked hints. */
export const AccountView = Type.Object(
  {
    id: Type.String(),
    integration: Type.String(),
    name: Type.String(),
    status: AccountStatus,
    credentials: Type.Record(Type.String(), Type.String(), {
      description: 'Masked hint per credential field, e.g. `…a1b2`',
    }),
    context: Type.Record(Type.String(), Type.String()),
    mapping_overrides: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'IntegratedAccount' },
);
export type AccountView = Static<typeof AccountView>;

/** An account as the engine uses it: credentials decrypted, in memory only. */
export interface Account {
  id: string;
  tenant: string;
  integration: string;
  name: string;
  status: Static<typeof AccountStatus>;
  credentials: Record<string, string>;
  context: Record<string, string>;
  mapping_overrides?: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}
