import { Type, type Static } from '@sinclair/typebox';

/**
 * The mapping file format (`mappings/<slug>/<report_type>.yaml`) as TypeBox schemas: the closed
 * vocabulary documented in `src/mapping/README.md`. The compiler validates every file against
 * `MappingDoc` and checks the rest (Usage field names, transform names and their arguments,
 * `$item` only inside `each`) itself.
 */

const strict = { additionalProperties: false } as const;

/**
 * `"a.b.c"` or `["a", "key.with.dots"]`; a first segment `$item`, `$index`, `$key`, `$record` or
 * `$window` is a root.
 */
export const PathSpec = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Array(Type.String(), { minItems: 1 }),
]);
export type PathSpec = Static<typeof PathSpec>;

const Args = Type.Record(Type.String(), Type.Unknown());

/** One transform step: a name, or `{ name, args }`. */
export const TransformStep = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object({ name: Type.String({ minLength: 1 }), args: Type.Optional(Args) }, strict),
]);
/** A transform step (a name or { name, args }), or a pipeline of steps applied left to right. */
export const TransformSpec = Type.Union([TransformStep, Type.Array(TransformStep, { minItems: 1 })]);
export type TransformSpec = Static<typeof TransformSpec>;

const Primitive = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

/** Any expression may end with `transform` (+ `args` when `transform` is a single name). */
const post = { transform: Type.Optional(TransformSpec), args: Type.Optional(Args) };

export const Expr = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object({ path: PathSpec, ...post }, strict),
      Type.Object({ const: Type.Unknown(), ...post }, strict),
      Type.Object(
        {
          enum: Type.Object(
            { from: Self, map: Type.Record(Type.String(), Primitive), default: Type.Optional(Primitive) },
            strict,
          ),
          ...post,
        },
        strict,
      ),
      Type.Object({ sum: Type.Array(Self, { minItems: 1 }), ...post }, strict),
      Type.Object({ coalesce: Type.Array(Self, { minItems: 1 }), ...post }, strict),
      Type.Object({ list: Type.Array(Self), ...post }, strict),
      Type.Object(
        {
          lookup: Type.String({ minLength: 1 }),
          key: Self,
          field: Type.Optional(PathSpec),
          ignore_case: Type.Optional(Type.Boolean()),
          ...post,
        },
        strict,
      ),
    ]),
  { $id: 'MappingExpression' },
);
export type Expr = Static<typeof Expr>;

const subject = { path: PathSpec, transform: Type.Optional(TransformSpec), args: Type.Optional(Args) };

export const Condition = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object({ ...subject, equals: Primitive }, strict),
      Type.Object({ ...subject, exists: Type.Boolean() }, strict),
      Type.Object({ ...subject, in: Type.Array(Primitive, { minItems: 1 }) }, strict),
      Type.Object({ ...subject, matches: Type.String() }, strict),
      Type.Object({ all: Type.Array(Self, { minItems: 1 }) }, strict),
      Type.Object({ any: Type.Array(Self, { minItems: 1 }) }, strict),
      Type.Object({ not: Self }, strict),
    ]),
  { $id: 'MappingCondition' },
);
export type Condition = Static<typeof Condition>;

export const ChargeSpec = Type.Object(
  {
    amount: Expr,
    currency: Type.Optional(Expr),
    // a charge type, or an expression giving one (a vendor's kind through an `enum`)
    type: Type.Union([Type.String({ minLength: 1 }), Expr]),
  },
  strict,
);

export const ResourceSpec = Type.Object(
  {
    id: Type.Optional(Expr),
    name: Type.Optional(Expr),
    workspace_id: Type.Optional(Expr),
    workspace_name: Type.Optional(Expr),
  },
  strict,
);

/** `each: { keys_of: <path> }`: one row per own key of the object at that path (`$key`, `$item`). */
export const EachKeys = Type.Object({ keys_of: PathSpec }, strict);

/** `each: { first_of: [<path>, …] }`: one row per element of the first of these paths holding an array. */
export const EachFirstOf = Type.Object({ first_of: Type.Array(PathSpec, { minItems: 1 }) }, strict);

export const RowSpec = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }),
    each: Type.Optional(Type.Union([PathSpec, EachKeys, EachFirstOf])),
    when: Type.Optional(Condition),
    // Usage rows: the natural key their id is hashed from (required). List records (products,
    // organizations, workspaces) take the vendor's id from `fields.id` and have no key.
    key: Type.Optional(Type.Array(Expr, { minItems: 1 })),
    fields: Type.Record(Type.String(), Expr),
    charges: Type.Optional(Type.Array(ChargeSpec)),
    resources: Type.Optional(Type.Array(ResourceSpec)),
    remote_data: Type.Optional(Expr),
  },
  strict,
);
export type RowSpec = Static<typeof RowSpec>;

export const MappingDoc = Type.Object(
  {
    description: Type.String(),
    aggregate: Type.Optional(Type.Boolean()),
    rows: Type.Array(RowSpec, { minItems: 1 }),
  },
  { ...strict, $id: 'MappingDoc', description: 'A mapping file: vendor records → Usage rows.' },
);
export type MappingDoc = Static<typeof MappingDoc>;
