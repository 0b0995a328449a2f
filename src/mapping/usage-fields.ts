import { ChargeType, USAGE_LEAF_PATHS, UsageRow } from '../schemas/usage.js';
import { describeTarget, variants, type MappingTarget } from './target.js';

export type { LeafInfo, LeafKind, ObjectInfo } from './target.js';

/**
 * What the mapping compiler needs to know about the Usage row, read from its TypeBox schema (so a
 * field added to the schema is writable by mappings without touching the compiler).
 */

/** Leaves a mapping may not write through `fields` (they have their own row-spec sections). */
export const RESERVED_FIELDS: Readonly<Record<string, string>> = {
  id: 'the row id is computed from the row spec `key`',
  charges: 'use the row spec `charges` list',
  resources: 'use the row spec `resources` list',
};

/** The Usage row as a mapping target: ids hashed from the natural key, charges and resources. */
export const USAGE_TARGET: MappingTarget = describeTarget('Usage', UsageRow, USAGE_LEAF_PATHS, {
  id: 'key',
  reserved: RESERVED_FIELDS,
  sections: { charges: true, resources: true },
});

/** Every writable leaf (every Usage leaf path). */
export const USAGE_LEAVES = USAGE_TARGET.leaves;
/** Every object node above a leaf (`product`, `usage`, `usage.tokens`, …). */
export const USAGE_OBJECTS = USAGE_TARGET.objects;
/** Schema order of the leaves: rows are built in this order. */
export const USAGE_LEAF_ORDER: readonly string[] = USAGE_TARGET.order;

/** The charge `type` literals of the Usage schema. */
export const CHARGE_TYPES: readonly string[] = variants(ChargeType)
  .map((v) => v.const)
  .filter((v): v is string => typeof v === 'string');
