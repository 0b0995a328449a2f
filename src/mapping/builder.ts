import { MappingError } from './errors.js';
import { HELPERS, type HelperName } from './runtime.js';
import type { MappingTarget } from './target.js';
import { USAGE_TARGET } from './usage-fields.js';

/**
 * The state of one compilation: the closure values of the generated function and the common
 * subexpressions bound so far. The compiler's parts (`paths.ts`, `expressions.ts`,
 * `conditions.ts`, `rows.ts`) all write through one `Builder`.
 *
 * Safety: everything from the mapping file that ends up in code (property names, string
 * literals) goes through `q` (`JSON.stringify`); everything else (transform functions and their
 * args, enum maps, `in` sets, regular expressions, object constants) is a closure value `K<n>`.
 */

/** A JS literal of a string / number / boolean / null from the mapping file. */
export const q = (s: string | number | boolean | null): string => JSON.stringify(s);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function isPrimitive(v: unknown): v is string | number | boolean | null {
  return (
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v))
  );
}

/** What the current row spec iterates: nothing, array elements (`each: <path>`), or object keys. */
export interface Scope {
  readonly inEach: boolean;
  /** `each: { keys_of }`: `$key` is defined */
  readonly keys?: boolean;
}

/** A compiled expression: JS code, and whether it depends on the `each` element (`$item`, `$index`). */
export interface C {
  readonly code: string;
  readonly item: boolean;
  /** for a bound expression: its variable, valid once `code` has been evaluated */
  readonly name?: string;
}

export class Builder {
  readonly consts: unknown[] = [];
  /** shared closure values: helpers by name, transform functions by identity, args by JSON */
  private readonly shared = new Map<unknown, number>();
  /**
   * Common subexpressions are bound once per record (`r<n>`) or once per `each` element (`i<n>`),
   * lazily: `(r3 !== undefined ? r3 : (r3 = <code>))`. Every expression yields null rather than
   * undefined, so undefined means "not computed yet". Pure expressions only (all are).
   */
  readonly recBindings = new Map<string, string>();
  private itemBindings = new Map<string, string>();
  /** the per-element variables of the current row spec, declared inside its loop */
  itemVars: string[] = [];

  constructor(
    readonly file: string,
    /** the record type the mapping builds: the Usage row unless a list's */
    readonly target: MappingTarget = USAGE_TARGET,
  ) {
    for (const [name, value] of Object.entries(HELPERS))
      this.shared.set(`helper:${name}`, this.pushConst(value));
  }

  fail(pointer: string, msg: string): never {
    throw new MappingError(this.file, pointer, msg);
  }

  private pushConst(v: unknown): number {
    this.consts.push(v);
    return this.consts.length - 1;
  }
  /** a closure value for the generated code */
  k(v: unknown): string {
    return `K${this.pushConst(v)}`;
  }
  /** a closure value shared by every use with the same identity key */
  kShared(key: unknown, v: unknown): string {
    let i = this.shared.get(key);
    if (i === undefined) {
      i = this.pushConst(v);
      this.shared.set(key, i);
    }
    return `K${i}`;
  }
  /** a run-time helper (`runtime.ts`) */
  h(name: HelperName): string {
    return `K${this.shared.get(`helper:${name}`)}`;
  }

  /** a new row spec: per-element bindings start afresh */
  startRow(): void {
    this.itemBindings = new Map();
    this.itemVars = [];
  }

  bind(c: C): C {
    const map = c.item ? this.itemBindings : this.recBindings;
    let name = map.get(c.code);
    if (name === undefined) {
      name = c.item ? `i${this.itemBindings.size}` : `r${this.recBindings.size}`;
      map.set(c.code, name);
      if (c.item) this.itemVars.push(name);
    }
    return { code: `(${name} !== undefined ? ${name} : (${name} = ${c.code}))`, item: c.item, name };
  }
}
