import type { TSchema } from '@sinclair/typebox';

/**
 * What the mapping compiler needs to know about the records it builds, read from their TypeBox
 * schema (so a field added to a schema is writable by mappings without touching the compiler):
 * the Usage row (`usage-fields.ts`), or a product, organization or workspace (`list-fields.ts`).
 */

export type LeafKind = 'number' | 'string' | 'boolean' | 'object' | 'array';

export interface LeafInfo {
  readonly path: string;
  readonly segments: readonly string[];
  readonly kind: LeafKind;
  /** the leaf must not be null (e.g. `organization.id`): its object becomes null instead */
  readonly required: boolean;
}

/** Object nodes of the record: whether they may be `null` as a whole. */
export interface ObjectInfo {
  readonly path: string;
  readonly nullable: boolean;
}

/** A record type mappings write: its leaves in schema order and how its id is made. */
export interface MappingTarget {
  /** the schema's name, in error messages (`not a Usage field`) */
  readonly name: string;
  readonly leaves: ReadonlyMap<string, LeafInfo>;
  readonly objects: ReadonlyMap<string, ObjectInfo>;
  /** schema order of the leaves: records are built in this order */
  readonly order: readonly string[];
  /**
   * `key`: the id is a hash of the row spec's natural key (Usage rows). `field`: the id is the
   * vendor's own, written in `fields.id` (list records, whose ids must equal the ids usage rows
   * carry); a record whose id is null is left out.
   */
  readonly id: 'key' | 'field';
  /** leaves that are not written through `fields`, and why */
  readonly reserved: Readonly<Record<string, string>>;
  /** whether row specs may have `charges` and `resources` sections */
  readonly sections: { readonly charges: boolean; readonly resources: boolean };
}

type S = TSchema & {
  anyOf?: TSchema[];
  properties?: Record<string, TSchema>;
  required?: string[];
  type?: string;
  patternProperties?: unknown;
  const?: unknown;
};

export function variants(schema: TSchema): S[] {
  const s = schema as S;
  return s.anyOf ? (s.anyOf as S[]) : [s];
}

function objectVariant(schema: TSchema): S | undefined {
  return variants(schema).find(
    (v) => v.type === 'object' && v.properties !== undefined && !v.patternProperties,
  );
}

function kindOf(schema: TSchema): LeafKind {
  const types = new Set(variants(schema).map((v) => v.type));
  if (types.has('number') || types.has('integer')) return 'number';
  if (types.has('string')) return 'string';
  if (types.has('boolean')) return 'boolean';
  if (types.has('array')) return 'array';
  return 'object';
}

/** Walks `schema` along every leaf path: the leaves and object nodes a mapping may write. */
export function describeTarget(
  name: string,
  schema: TSchema,
  leafPaths: readonly string[],
  rest: Pick<MappingTarget, 'id' | 'reserved' | 'sections'>,
): MappingTarget {
  const leaves = new Map<string, LeafInfo>();
  const objects = new Map<string, ObjectInfo>();
  const label = name.toLowerCase();
  for (const path of leafPaths) {
    const segments = path.split('.');
    let node: TSchema = schema;
    let required = true;
    let prefix = '';
    for (const seg of segments) {
      const obj = objectVariant(node);
      if (obj === undefined || obj.properties === undefined)
        throw new Error(`${label} schema: cannot walk ${path}`);
      if (prefix !== '' && !objects.has(prefix)) {
        objects.set(prefix, { path: prefix, nullable: variants(node).some((v) => v.type === 'null') });
      }
      const next = obj.properties[seg];
      if (next === undefined) throw new Error(`${label} schema: no ${path}`);
      required = (obj.required ?? []).includes(seg);
      node = next;
      prefix = prefix ? `${prefix}.${seg}` : seg;
    }
    const kind = kindOf(node);
    const nullable = variants(node).some((v) => v.type === 'null');
    leaves.set(path, { path, segments, kind, required: required && !nullable && segments.length > 1 });
  }
  return { name, leaves, objects, order: leafPaths, ...rest };
}
