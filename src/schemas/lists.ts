import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The other resources of the public Usage Metering API: products, organizations and workspaces.
 * Their ids are the ids that Usage rows of the same integration carry (`product.id`,
 * `organization.id`, `resources[].workspace.id`), so a client can join them.
 */
const Str = Type.Union([Type.String(), Type.Null()]);

export const Product = Type.Object(
  {
    id: Type.String({ description: 'Unique identifier for the product: the `product.id` of usage rows' }),
    name: Type.Optional(Str),
    description: Type.Optional(Str),
    created_at: Type.Optional(Str),
    updated_at: Type.Optional(Str),
    remote_data: Type.Optional(Type.Unknown()),
  },
  {
    $id: 'Product',
    description: 'A product (service) of the integration whose usage is metered.',
  },
);
export type Product = Static<typeof Product>;

export const Organization = Type.Object(
  {
    id: Type.String({
      description: 'Unique identifier for the organization: the `organization.id` of usage rows',
    }),
    name: Type.Optional(Str),
    created_at: Type.Optional(Str),
    updated_at: Type.Optional(Str),
    remote_data: Type.Optional(Type.Unknown()),
  },
  { $id: 'Organization', description: 'An organization using the products.' },
);
export type Organization = Static<typeof Organization>;

export const Workspace = Type.Object(
  {
    id: Type.String({
      description: 'Unique identifier for the workspace: the `resources[].workspace.id` of usage rows',
    }),
    name: Type.Optional(Str),
    organization: Type.Optional(
      Type.Union([
        Type.Object(
          { id: Type.String({ description: 'Unique identifier for the organization' }) },
          { description: 'Workspace belongs to this organization' },
        ),
        Type.Null(),
      ]),
    ),
    created_at: Type.Optional(Str),
    updated_at: Type.Optional(Str),
    remote_data: Type.Optional(Type.Unknown()),
  },
  { $id: 'Workspace', description: 'A workspace (project, environment) of an organization.' },
);
export type Workspace = Static<typeof Workspace>;

/** The list resources, by their path segment under `/unified/usage-metering/`. */
export const LIST_SCHEMAS = {
  products: Product,
  organizations: Organization,
  workspaces: Workspace,
} as const;

export type ListName = keyof typeof LIST_SCHEMAS;
export const LIST_NAMES = Object.keys(LIST_SCHEMAS) as ListName[];
export type ListRecord = Product | Organization | Workspace;

export function isListName(v: string): v is ListName {
  return Object.hasOwn(LIST_SCHEMAS, v);
}

/** Every leaf path of a list record in schema order (its `normalized` columns), `remote_data` aside. */
export function leafPaths(schema: TSchema): string[] {
  const out: string[] = [];
  const visit = (s: TSchema, prefix: string): void => {
    const node = s as TSchema & { anyOf?: TSchema[]; properties?: Record<string, TSchema> };
    const obj = node.anyOf
      ? (node.anyOf.find((x) => (x as { type?: string }).type === 'object') as typeof node | undefined)
      : node;
    if (obj?.properties) {
      for (const [k, v] of Object.entries(obj.properties)) visit(v, prefix ? `${prefix}.${k}` : k);
    } else out.push(prefix);
  };
  visit(schema, '');
  return out.filter((p) => p !== 'remote_data');
}

/**
 * A connector's list: vendor records read from a resource (paged like usage), or a fixed set of
 * records written in the connector file (a vendor's products), mapped by `mappings/<slug>/lists/`.
 */
export const ListSource = Type.Object(
  {
    description: Type.Optional(Type.String()),
    resource: Type.Optional(
      Type.String({ description: 'The resource listing the records (none with `records`)' }),
    ),
    also: Type.Optional(
      Type.Array(
        Type.Object(
          { resource: Type.String(), mapping: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
        { description: 'Resources for accounts holding another credential, in order of preference' },
      ),
    ),
    records: Type.Optional(
      Type.Array(Type.Record(Type.String(), Type.Unknown()), {
        minItems: 1,
        description: 'A fixed set of records (no vendor call), mapped like vendor records',
      }),
    ),
    mapping: Type.Optional(
      Type.String({ description: 'Mapping file under mappings/<slug>/lists/; default: the list name' }),
    ),
  },
  { additionalProperties: false },
);
export type ListSource = Static<typeof ListSource>;

export const ConnectorLists = Type.Object(
  {
    products: Type.Optional(ListSource),
    organizations: Type.Optional(ListSource),
    workspaces: Type.Optional(ListSource),
  },
  { additionalProperties: false, description: 'The products, organizations and workspaces this vendor has' },
);
export type ConnectorLists = Static<typeof ConnectorLists>;
