import type { TSchema } from '@sinclair/typebox';
import { ChargeType, USAGE_LEAF_PATHS, UsageRow } from '../schemas/usage.js';

/**
 * What the mapping compiler needs to know about the Usage row, read from its TypeBox schema (so a
 * field added to the schema is writable by mappings without touching the compiler).
 */

export type LeafKind = 'number' | 'string' | 'boolean' | 'object' | 'array';

export interface LeafInfo {
  readonly path: string;
  readonly segments: readonly string[];
  readonly kind: LeafKind;
  /** the leaf must not be null (e.g. `organization.id`): its object becomes null instead */
  readonly required: boolean;
}

/** Object nodes of the row: whether they may be `null` as a whole. */
export interface ObjectInfo {
  readonly path: string;
  readonly nullable: boolean;
}

type S = TSchema & {
  anyOf?: TSchema[];
  properties?: Record<string, TSchema>;
  required?: string[];
  type?: string;
  patternProperties?: unknown;
  const?: unknown;
};

function variants(schema: TSchema): S[] {
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

const leaves = new Map<string, LeafInfo>();
const objects = new Map<string, ObjectInfo>();

for (const path of USAGE_LEAF_PATHS) {
  const segments = path.split('.');
  let node: TSchema = UsageRow;
  let required = true;
  let prefix = '';
  for (const seg of segments) {
    const obj = objectVariant(node);
    if (obj === undefined || obj.properties === undefined)
      throw new Error(`usage schema: cannot walk ${path}`);
    if (prefix !== '' && !objects.has(prefix)) {
      objects.set(prefix, { path: prefix, nullable: variants(node).some((v) => v.type === 'null') });
    }
    const next = obj.properties[seg];
    if (next === undefined) throw new Error(`usage schema: no ${path}`);
    required = (obj.required ?? []).includes(seg);
    node = next;
    prefix = prefix ? `${prefix}.${seg}` : seg;
  }
  const kind = kindOf(node);
  const nullable = variants(node).some((v) => v.type === 'null');
  leaves.set(path, { path, segments, kind, required: required && !nullable && segments.length > 1 });
}

/** Every writable leaf (every Usage leaf path). */
export const USAGE_LEAVES: ReadonlyMap<string, LeafInfo> = leaves;
/** Every object node above a leaf (`product`, `usage`, `usage.tokens`, …). */
export const USAGE_OBJECTS: ReadonlyMap<string, ObjectInfo> = objects;
/** Schema order of the leaves: rows are built in this order. */
export const USAGE_LEAF_ORDER: readonly string[] = USAGE_LEAF_PATHS;

/** The charge `type` literals of the Usage schema. */
export const CHARGE_TYPES: readonly string[] = variants(ChargeType)
  .map((v) => v.const)
  .filter((v): v is string => typeof v === 'string');

/** Leaves a mapping may not write through `fields` (they have their own row-spec sections). */
export const RESERVED_FIELDS: Readonly<Record<string, string>> = {
  id: 'the row id is computed from the row spec `key`',
  charges: 'use the row spec `charges` list',
  resources: 'use the row spec `resources` list',
};
