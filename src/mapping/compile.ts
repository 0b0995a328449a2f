import { Value } from '@sinclair/typebox/value';
import type { UsageRow } from '../schemas/usage.js';
import { exactSum, toExactNumber } from './decimal.js';
import { MappingError, pointerSegment } from './errors.js';
import { rowIdExtend, rowIdFrom, rowIdPrefix } from './row-id.js';
import { MappingDoc } from './schema.js';
import { TRANSFORMS, isTransformName, type TransformDef } from './transforms.js';
import {
  CHARGE_TYPES,
  RESERVED_FIELDS,
  USAGE_LEAF_ORDER,
  USAGE_LEAVES,
  USAGE_OBJECTS,
  type LeafKind,
} from './usage-fields.js';

export { MappingError } from './errors.js';
export { mergeMappingDocs, mergeRows } from './merge.js';

/**
 * The mapping compiler: a mapping document (the closed vocabulary of `src/mapping/README.md`) is
 * validated and turned ONCE into a plain JavaScript function with `new Function`. Vendor data is
 * never part of the generated code: it is only read, as data, when the function runs. Everything
 * from the mapping file that ends up in code (property names, string literals) goes through
 * `JSON.stringify`; everything else (transform functions and their args, enum maps, `in` sets,
 * object constants) is passed to the generated function as a closure value, never spliced.
 */

export interface MapContext {
  integration: string;
  accountId: string;
  reportType: string;
  /**
   * Lookup tables the engine read for this request (e.g. a users list keyed by id), joined on with
   * `{ lookup: <table>, key: <expr>, field: <path> }`. Absent tables make lookups null.
   */
  lookups?: Readonly<Record<string, ReadonlyMap<string, unknown>>>;
  /**
   * The date window (start inclusive, end exclusive) the records were asked for, for vendors
   * whose records do not carry their own dates: path root `$window` (`$window.start`).
   */
  window?: { readonly start: Date | string; readonly end: Date | string };
}

export interface CompiledMapping {
  /** `<slug>/<report_type>` for files under `mappings/`, else the file name given */
  readonly name: string;
  /** rows sharing an id must be merged with `mergeRows` */
  readonly aggregate: boolean;
  /** the generated JavaScript, for debugging */
  readonly source: string;
  /** the mapping document it was compiled from (deep-frozen copy): the base for `mergeMappingDocs` */
  readonly doc: unknown;
  map(record: unknown, ctx: MapContext): UsageRow[];
}

// ---------------------------------------------------------------------------------------------
// runtime helpers handed to the generated code

/** numeric leaf: a finite number, or a decimal string parsed exactly; else null */
function N(v: unknown): number | null {
  if (typeof v === 'number') return v === v && v !== Infinity && v !== -Infinity ? v : null;
  if (v === null || v === undefined) return null;
  return toExactNumber(v);
}
/** string leaf: strings, stringified numbers/booleans; else null */
function S(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return String(v);
  return null;
}
/** object leaf (`usage.code.tool_actions`, …): a plain object, else null */
function O(v: unknown): object | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
}
/** enum lookup */
function EN(map: ReadonlyMap<string, unknown>, dflt: unknown, v: unknown): unknown {
  const k = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
  if (k !== null) {
    const r = map.get(k);
    if (r !== undefined) return r;
  }
  return dflt;
}
/** the record of a lookup table under a key (string, or number as its string), else null */
function LK(ctx: MapContext, table: string, key: unknown): unknown {
  const tables = ctx.lookups;
  if (tables === undefined || tables === null || !Object.hasOwn(tables, table)) return null;
  const t = tables[table];
  if (!(t instanceof Map)) return null;
  const k = typeof key === 'string' ? key : typeof key === 'number' ? String(key) : null;
  if (k === null) return null;
  const r: unknown = t.get(k);
  return r === undefined ? null : r;
}

const HELPERS: Readonly<Record<string, unknown>> = {
  N,
  S,
  O,
  EN,
  SUM: exactSum,
  HP: rowIdPrefix,
  HF: rowIdFrom,
  HX: rowIdExtend,
  JP: JSON.parse,
  LK,
};

// ---------------------------------------------------------------------------------------------
// the compiler

const q = (s: string | number | boolean | null): string => JSON.stringify(s);

const EXPR_KINDS = ['path', 'const', 'enum', 'sum', 'coalesce', 'list', 'lookup'] as const;
/** keys a kind takes besides its own (and transform/args) */
const EXPR_EXTRA: Partial<Record<(typeof EXPR_KINDS)[number], readonly string[]>> = {
  lookup: ['key', 'field'],
};
const ROW_KEYS = new Set(['name', 'each', 'when', 'key', 'fields', 'charges', 'resources', 'remote_data']);
const RESOURCE_KEYS = ['id', 'name', 'workspace_id', 'workspace_name'] as const;
const ROOTS = new Set(['$item', '$index', '$record', '$window']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isPrimitive(v: unknown): v is string | number | boolean | null {
  return (
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v))
  );
}
/** names an object or array inherits: reading them needs an own-property check */
function inherited(seg: string): boolean {
  return seg in Object.prototype || seg in Array.prototype;
}

interface Scope {
  readonly inEach: boolean;
}

/** A compiled expression: JS code, and whether it depends on the `each` element (`$item`, `$index`). */
interface C {
  readonly code: string;
  readonly item: boolean;
  /** for a bound expression: its variable, valid once `code` has been evaluated */
  readonly name?: string;
}

class Compiler {
  private readonly consts: unknown[] = [];
  /** shared closure values: helpers by name, transform functions by identity, args by JSON */
  private readonly shared = new Map<unknown, number>();
  /**
   * Common subexpressions are bound once per record (`r<n>`) or once per `each` element (`i<n>`),
   * lazily: `(r3 !== undefined ? r3 : (r3 = <code>))`. Every expression yields null rather than
   * undefined, so undefined means "not computed yet". Pure expressions only (all are).
   */
  private readonly recBindings = new Map<string, string>();
  private itemBindings = new Map<string, string>();
  private itemVars: string[] = [];

  constructor(private readonly file: string) {
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
  private k(v: unknown): string {
    return `K${this.pushConst(v)}`;
  }
  /** a closure value shared by every use with the same identity key */
  private kShared(key: unknown, v: unknown): string {
    let i = this.shared.get(key);
    if (i === undefined) {
      i = this.pushConst(v);
      this.shared.set(key, i);
    }
    return `K${i}`;
  }
  private h(name: keyof typeof HELPERS & string): string {
    return `K${this.shared.get(`helper:${name}`)}`;
  }

  private bind(c: C): C {
    const map = c.item ? this.itemBindings : this.recBindings;
    let name = map.get(c.code);
    if (name === undefined) {
      name = c.item ? `i${this.itemBindings.size}` : `r${this.recBindings.size}`;
      map.set(c.code, name);
      if (c.item) this.itemVars.push(name);
    }
    return { code: `(${name} !== undefined ? ${name} : (${name} = ${c.code}))`, item: c.item, name };
  }

  // ---- paths -------------------------------------------------------------------------------

  segments(spec: unknown, ptr: string): string[] {
    if (typeof spec === 'string') {
      if (spec.length === 0) this.fail(ptr, 'a path must not be empty');
      const segs = spec.split('.');
      if (segs.some((s) => s.length === 0)) {
        this.fail(ptr, `path '${spec}' has an empty segment; use a list of segments for keys with dots`);
      }
      return segs;
    }
    if (Array.isArray(spec)) {
      if (spec.length === 0) this.fail(ptr, 'a path must have at least one segment');
      spec.forEach((s, i) => {
        if (typeof s !== 'string') this.fail(`${ptr}/${i}`, 'a path segment must be a string');
      });
      return spec as string[];
    }
    return this.fail(ptr, 'a path is a dotted string or a list of segments');
  }

  path(spec: unknown, ptr: string, scope: Scope): C {
    const segs = this.segments(spec, ptr);
    let root = 'rec';
    let rest = segs;
    const head = segs[0] as string;
    if (ROOTS.has(head)) {
      if (head === '$index') {
        if (segs.length > 1) this.fail(ptr, '$index is a number: it has no fields');
        if (!scope.inEach) this.fail(ptr, '$index is only defined inside a row spec with `each`');
        return { code: 'idx', item: true };
      }
      if (head === '$item') {
        if (!scope.inEach) this.fail(ptr, '$item is only defined inside a row spec with `each`');
        root = 'item';
      }
      if (head === '$window') root = 'ctx.window';
      rest = segs.slice(1);
    }
    const item = root === 'item';
    if (rest.length === 0) return { code: `(${root} === undefined ? null : ${root})`, item };
    return this.steps({ code: root, item }, rest);
  }

  /**
   * Read `segs` below the value of `from`. Each prefix is its own (shared, lazily bound) step:
   * `a.b.c` and `a.b.d` read `a.b` once per record.
   */
  private steps(from: C, segs: readonly string[]): C {
    let c = from;
    for (const seg of segs) {
      const key = q(seg);
      const read = inherited(seg) ? `(Object.hasOwn(t, ${key}) ? t[${key}] : undefined)` : `t[${key}]`;
      c = this.bind({
        code: `((t = ${c.code}) !== null && typeof t === "object" && (t = ${read}) !== undefined ? t : null)`,
        item: from.item,
      });
    }
    return c;
  }

  /** `{ lookup: <table>, key: <expr>, field?: <path> }`: join on a lookup table of the context. */
  private lookup(node: Record<string, unknown>, ptr: string, scope: Scope): C {
    if (typeof node.lookup !== 'string' || node.lookup.length === 0) {
      return this.fail(`${ptr}/lookup`, 'lookup names a lookup table of the connector resource');
    }
    if (!Object.hasOwn(node, 'key')) this.fail(ptr, 'a lookup needs a `key` expression');
    const key = this.expr(node.key, `${ptr}/key`, scope);
    const record = this.bind({
      code: `${this.h('LK')}(ctx, ${q(node.lookup)}, ${key.code})`,
      item: key.item,
    });
    if (node.field === undefined) return record;
    return this.steps(record, this.segments(node.field, `${ptr}/field`));
  }

  // ---- transforms --------------------------------------------------------------------------

  transforms(c: C, node: Record<string, unknown>, ptr: string): C {
    const spec = node.transform;
    if (spec === undefined) {
      if (node.args !== undefined)
        this.fail(`${ptr}/args`, '`args` is only allowed with a single `transform` name');
      return c;
    }
    if (typeof spec === 'string') return this.step(c, spec, node.args, `${ptr}/transform`, `${ptr}/args`);
    if (isPlainObject(spec)) {
      // a single step written as { name, args }
      if (node.args !== undefined)
        this.fail(`${ptr}/args`, 'give the args inside the transform step ({ name, args })');
      return this.stepObject(c, spec, `${ptr}/transform`);
    }
    if (!Array.isArray(spec) || spec.length === 0) {
      return this.fail(`${ptr}/transform`, 'a transform is a name or a non-empty list of steps');
    }
    if (node.args !== undefined) {
      this.fail(
        `${ptr}/args`,
        'with a list of transform steps, give each step its own `args` ({ name, args })',
      );
    }
    spec.forEach((s, i) => {
      const at = `${ptr}/transform/${i}`;
      if (typeof s === 'string') {
        c = this.step(c, s, undefined, at, `${at}/args`);
      } else if (isPlainObject(s)) {
        c = this.stepObject(c, s, at);
      } else {
        this.fail(at, 'a transform step is a name or { name, args }');
      }
    });
    return c;
  }

  private stepObject(c: C, s: Record<string, unknown>, at: string): C {
    for (const k of Object.keys(s)) {
      if (k !== 'name' && k !== 'args')
        this.fail(`${at}/${pointerSegment(k)}`, `unknown key '${k}' in a transform step`);
    }
    if (typeof s.name !== 'string') this.fail(`${at}/name`, 'a transform step needs a `name`');
    return this.step(c, s.name as string, s.args, `${at}/name`, `${at}/args`);
  }

  private step(c: C, name: string, args: unknown, namePtr: string, argsPtr: string): C {
    if (!isTransformName(name)) {
      this.fail(namePtr, `unknown transform '${name}' (known: ${Object.keys(TRANSFORMS).join(', ')})`);
    }
    const t = TRANSFORMS[name] as TransformDef;
    const a = args === undefined ? {} : args;
    if (!isPlainObject(a)) this.fail(argsPtr, 'args must be an object');
    const err = Value.Errors(t.args, a).First();
    if (err !== undefined) {
      this.fail(`${argsPtr}${err.path}`, `bad args for transform '${name}': ${err.message}`);
    }
    const frozen = Object.freeze(structuredClone(a));
    const fn = this.kShared(t.fn, t.fn);
    const argsConst = this.kShared(`args:${name}:${JSON.stringify(frozen)}`, frozen);
    return this.bind({
      code: `((t = ${fn}(${c.code}, ${argsConst})) === undefined ? null : t)`,
      item: c.item,
    });
  }

  // ---- expressions -------------------------------------------------------------------------

  expr(node: unknown, ptr: string, scope: Scope): C {
    if (!isPlainObject(node)) {
      return this.fail(ptr, `an expression is an object with one of: ${EXPR_KINDS.join(', ')}`);
    }
    const kinds = EXPR_KINDS.filter((k) => Object.hasOwn(node, k));
    if (kinds.length !== 1) {
      return this.fail(
        ptr,
        kinds.length === 0
          ? `an expression needs one of: ${EXPR_KINDS.join(', ')}`
          : `an expression has exactly one of ${EXPR_KINDS.join(', ')}; got ${kinds.join(' and ')}`,
      );
    }
    const kind = kinds[0] as (typeof EXPR_KINDS)[number];
    const extra = EXPR_EXTRA[kind] ?? [];
    for (const k of Object.keys(node)) {
      if (k !== kind && k !== 'transform' && k !== 'args' && !extra.includes(k)) {
        this.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' in a '${kind}' expression`);
      }
    }
    let c: C;
    switch (kinds[0]) {
      case 'path':
        c = this.path(node.path, `${ptr}/path`, scope);
        break;
      case 'const':
        c = { code: this.constant(node.const, `${ptr}/const`), item: false };
        break;
      case 'enum':
        c = this.enumExpr(node.enum, `${ptr}/enum`, scope);
        break;
      case 'sum': {
        const parts = this.list(node.sum, `${ptr}/sum`, scope, 1);
        c = this.bind({
          code: `${this.h('SUM')}([${parts.map((p) => p.code).join(', ')}])`,
          item: parts.some((p) => p.item),
        });
        break;
      }
      case 'coalesce': {
        // (p1 !== null ? p1 : (p2 !== null ? p2 : p3)), each part bound so it is evaluated once
        const parts = this.list(node.coalesce, `${ptr}/coalesce`, scope, 1).map((p) => this.bind(p));
        const last = parts[parts.length - 1] as C;
        c = this.bind({
          code: parts
            .slice(0, -1)
            .reduceRight((acc, part) => `(${part.code} !== null ? ${part.name} : ${acc})`, last.code),
          item: parts.some((p) => p.item),
        });
        break;
      }
      case 'lookup':
        c = this.lookup(node, ptr, scope);
        break;
      default: {
        const parts = this.list(node.list, `${ptr}/list`, scope, 0);
        c = this.bind({ code: `[${parts.map((p) => p.code).join(', ')}]`, item: parts.some((p) => p.item) });
      }
    }
    return this.transforms(c, node, ptr);
  }

  private list(v: unknown, ptr: string, scope: Scope, min: number): C[] {
    if (!Array.isArray(v) || v.length < min) {
      return this.fail(
        ptr,
        min > 0 ? 'must be a non-empty list of expressions' : 'must be a list of expressions',
      );
    }
    return v.map((e, i) => this.expr(e, `${ptr}/${i}`, scope));
  }

  private constant(v: unknown, ptr: string): string {
    if (v === undefined) return 'null';
    if (isPrimitive(v)) return `(${q(v)})`;
    let json: string | undefined;
    try {
      json = JSON.stringify(v);
    } catch {
      json = undefined;
    }
    if (json === undefined || typeof v === 'number') this.fail(ptr, 'a constant must be JSON');
    // Objects and arrays are rebuilt from their JSON for every use (rows never share them).
    return `${this.h('JP')}(${this.k(json)})`;
  }

  private enumExpr(v: unknown, ptr: string, scope: Scope): C {
    if (!isPlainObject(v)) return this.fail(ptr, 'enum is { from, map, default? }');
    for (const k of Object.keys(v)) {
      if (k !== 'from' && k !== 'map' && k !== 'default')
        this.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' in enum`);
    }
    if (!Object.hasOwn(v, 'from')) this.fail(ptr, 'enum needs `from`');
    if (!isPlainObject(v.map))
      return this.fail(`${ptr}/map`, 'enum `map` must be an object of value → result');
    const map = new Map<string, unknown>();
    for (const [k, r] of Object.entries(v.map)) {
      if (!isPrimitive(r))
        this.fail(
          `${ptr}/map/${pointerSegment(k)}`,
          'enum results must be strings, numbers, booleans or null',
        );
      map.set(k, r);
    }
    const dflt = v.default === undefined ? null : v.default;
    if (!isPrimitive(dflt))
      this.fail(`${ptr}/default`, 'enum default must be a string, number, boolean or null');
    const from = this.expr(v.from, `${ptr}/from`, scope);
    return this.bind({ code: `${this.h('EN')}(${this.k(map)}, ${q(dflt)}, ${from.code})`, item: from.item });
  }

  // ---- conditions --------------------------------------------------------------------------

  cond(node: unknown, ptr: string, scope: Scope): string {
    if (!isPlainObject(node)) return this.fail(ptr, 'a condition is an object');
    const logic = ['all', 'any', 'not'].filter((k) => Object.hasOwn(node, k));
    const tests = ['equals', 'exists', 'in'].filter((k) => Object.hasOwn(node, k));
    if (logic.length + tests.length !== 1) {
      return this.fail(
        ptr,
        'a condition is exactly one of { path, equals }, { path, exists }, { path, in }, { all }, { any }, { not }',
      );
    }
    if (logic.length === 1) {
      const op = logic[0] as string;
      for (const k of Object.keys(node)) {
        if (k !== op) this.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' next to '${op}'`);
      }
      if (op === 'not') return `!(${this.cond(node.not, `${ptr}/not`, scope)})`;
      const list = node[op];
      if (!Array.isArray(list) || list.length === 0) {
        return this.fail(`${ptr}/${op}`, `'${op}' needs a non-empty list of conditions`);
      }
      const parts = list.map((c, i) => this.cond(c, `${ptr}/${op}/${i}`, scope));
      return `(${parts.join(op === 'all' ? ' && ' : ' || ')})`;
    }
    const test = tests[0] as string;
    for (const k of Object.keys(node)) {
      if (k !== test && k !== 'path' && k !== 'transform' && k !== 'args') {
        this.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' in a condition`);
      }
    }
    if (!Object.hasOwn(node, 'path')) this.fail(ptr, `'${test}' needs a \`path\``);
    const subject = this.transforms(this.path(node.path, `${ptr}/path`, scope), node, ptr).code;
    if (test === 'exists') {
      if (typeof node.exists !== 'boolean') this.fail(`${ptr}/exists`, 'exists is true or false');
      return `(${subject} ${node.exists ? '!==' : '==='} null)`;
    }
    if (test === 'equals') {
      if (!isPrimitive(node.equals))
        this.fail(`${ptr}/equals`, 'equals compares with a string, number, boolean or null');
      return `(${subject} === ${q(node.equals)})`;
    }
    const values = node.in;
    if (!Array.isArray(values) || values.length === 0)
      return this.fail(`${ptr}/in`, "'in' needs a non-empty list of values");
    values.forEach((x, i) => {
      if (!isPrimitive(x)) this.fail(`${ptr}/in/${i}`, "'in' values are strings, numbers, booleans or null");
    });
    return `${this.k(new Set(values))}.has(${subject})`;
  }

  // ---- row specs ---------------------------------------------------------------------------

  row(spec: unknown, i: number, names: Set<string>): { name: string; body: string } {
    const ptr = `/rows/${i}`;
    if (!isPlainObject(spec)) return this.fail(ptr, 'a row spec is an object');
    for (const k of Object.keys(spec)) {
      if (!ROW_KEYS.has(k)) {
        this.fail(
          `${ptr}/${pointerSegment(k)}`,
          `unknown key '${k}' in a row spec (known: ${[...ROW_KEYS].join(', ')})`,
        );
      }
    }
    const name = spec.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name)) {
      return this.fail(`${ptr}/name`, 'a row spec needs a `name` of letters, digits, _ . -');
    }
    if (names.has(name)) this.fail(`${ptr}/name`, `duplicate row spec name '${name}'`);
    names.add(name);

    const scope: Scope = { inEach: spec.each !== undefined };
    this.itemBindings = new Map();
    this.itemVars = [];
    const lines: string[] = [];

    // fields, evaluated into locals
    if (!isPlainObject(spec.fields))
      this.fail(`${ptr}/fields`, 'fields must be an object of Usage field → expression');
    const fields = spec.fields as Record<string, unknown>;
    const fieldVar = new Map<string, string>();
    Object.keys(fields).forEach((path, j) => {
      const at = `${ptr}/fields/${pointerSegment(path)}`;
      if (Object.hasOwn(RESERVED_FIELDS, path)) {
        this.fail(at, `'${path}' cannot be written in fields: ${RESERVED_FIELDS[path]}`);
      }
      const leaf = USAGE_LEAVES.get(path);
      if (leaf === undefined) return this.fail(at, 'not a Usage field');
      const e = fields[path];
      if (isPlainObject(e) && Object.hasOwn(e, 'const') && e.transform === undefined) {
        this.checkConstKind(e.const, leaf.kind, path, `${at}/const`);
      }
      const c = this.expr(e, at, scope);
      const local = `f${j}_${i}`;
      fieldVar.set(path, local);
      const literal =
        isPlainObject(e) &&
        e.transform === undefined &&
        (e.const === null || isPrimitive(e.const)) &&
        leaf.kind !== 'object';
      // a scalar constant of the right type (checked above) needs no run-time coercion
      lines.push(`const ${local} = ${literal ? c.code : this.coerce(leaf.kind, c.code)};`);
    });

    // key → id = hash([integration, account, report type, ...key, row spec name]). The hash state
    // after the key's leading record-level parts is bound per record, so row specs whose keys
    // start alike (an actor-day row and its per-model rows) hash that start once.
    if (!Array.isArray(spec.key) || spec.key.length === 0) {
      this.fail(`${ptr}/key`, 'key must be a non-empty list of expressions (the natural key of the row)');
    }
    const keyParts = (spec.key as unknown[]).map((e, j) => this.expr(e, `${ptr}/key/${j}`, scope));
    let lead = 0;
    while (lead < keyParts.length && !(keyParts[lead] as C).item) lead++;
    const state =
      lead === 0
        ? 'P'
        : this.bind({
            code: `${this.h('HX')}(P, [${keyParts
              .slice(0, lead)
              .map((k) => k.code)
              .join(', ')}])`,
            item: false,
          }).code;
    const rest = [...keyParts.slice(lead).map((k) => k.code), q(name)];
    lines.push(`const id_${i} = ${this.h('HF')}(${state}, [${rest.join(', ')}]);`);

    // charges
    const hasCharges = spec.charges !== undefined;
    if (hasCharges) {
      if (!Array.isArray(spec.charges)) this.fail(`${ptr}/charges`, 'charges must be a list');
      lines.push(`let ch_${i} = null;`); // allocated only when a charge is kept
      (spec.charges as unknown[]).forEach((c, j) => {
        const at = `${ptr}/charges/${j}`;
        if (!isPlainObject(c)) return this.fail(at, 'a charge is { amount, currency, type }');
        for (const k of Object.keys(c)) {
          if (k !== 'amount' && k !== 'currency' && k !== 'type')
            this.fail(`${at}/${pointerSegment(k)}`, `unknown key '${k}' in a charge`);
        }
        if (typeof c.type !== 'string' || !CHARGE_TYPES.includes(c.type)) {
          return this.fail(`${at}/type`, `charge type must be one of ${CHARGE_TYPES.join(', ')}`);
        }
        if (!Object.hasOwn(c, 'amount')) this.fail(at, 'a charge needs an `amount`');
        const amount = this.expr(c.amount, `${at}/amount`, scope).code;
        const currency =
          c.currency === undefined
            ? 'null'
            : this.coerce('string', this.expr(c.currency, `${at}/currency`, scope).code);
        const a = `a${j}_${i}`;
        lines.push(
          `const ${a} = ${this.coerce('number', amount)};`,
          `if (${a} !== null) (ch_${i} ??= []).push({ "amount": ${a}, "currency": ${currency}, "type": ${q(c.type)} });`,
        );
      });
    }

    // resources
    const hasResources = spec.resources !== undefined;
    if (hasResources) {
      if (!Array.isArray(spec.resources)) this.fail(`${ptr}/resources`, 'resources must be a list');
      lines.push(`let rs_${i} = null;`);
      (spec.resources as unknown[]).forEach((r, j) => {
        const at = `${ptr}/resources/${j}`;
        if (!isPlainObject(r))
          return this.fail(at, 'a resource is { id, name, workspace_id, workspace_name }');
        for (const k of Object.keys(r)) {
          if (!(RESOURCE_KEYS as readonly string[]).includes(k)) {
            this.fail(`${at}/${pointerSegment(k)}`, `unknown key '${k}' in a resource`);
          }
        }
        const val = (k: (typeof RESOURCE_KEYS)[number]): string => {
          const local = `res_${k}_${j}_${i}`;
          const code =
            r[k] === undefined ? 'null' : this.coerce('string', this.expr(r[k], `${at}/${k}`, scope).code);
          lines.push(`const ${local} = ${code};`);
          return local;
        };
        const id = val('id');
        const nm = val('name');
        let ws = '';
        if (r.workspace_id !== undefined || r.workspace_name !== undefined) {
          const wi = val('workspace_id');
          const wn = val('workspace_name');
          ws = `, "workspace": (${wi} === null && ${wn} === null ? null : { "id": ${wi}, "name": ${wn} })`;
        }
        lines.push(
          `if (${id} !== null || ${nm} !== null) (rs_${i} ??= []).push({ "id": ${id}, "name": ${nm}${ws} });`,
        );
      });
    }

    const remote =
      spec.remote_data === undefined ? 'rec' : this.expr(spec.remote_data, `${ptr}/remote_data`, scope).code;

    // the row literal, in Usage schema order; charges/resources only when not empty
    const literal = (withCharges: boolean, withResources: boolean): string =>
      this.literal(
        fieldVar,
        `id_${i}`,
        withCharges ? `ch_${i}` : null,
        withResources ? `rs_${i}` : null,
        remote,
      );
    let push: string;
    if (hasCharges && hasResources) {
      push =
        `ch_${i} === null ? (rs_${i} === null ? ${literal(false, false)} : ${literal(false, true)})` +
        ` : (rs_${i} === null ? ${literal(true, false)} : ${literal(true, true)})`;
    } else if (hasCharges) {
      push = `ch_${i} === null ? ${literal(false, false)} : ${literal(true, false)}`;
    } else if (hasResources) {
      push = `rs_${i} === null ? ${literal(false, false)} : ${literal(false, true)}`;
    } else {
      push = literal(false, false);
    }
    lines.push(`out.push(${push});`);

    const when = spec.when === undefined ? null : this.cond(spec.when, `${ptr}/when`, scope);
    const indent = (ls: string[], n: number) => ls.map((l) => ' '.repeat(n) + l).join('\n');
    let body: string;
    if (scope.inEach) {
      const arr = `arr_${i}`;
      const each = this.path(spec.each, `${ptr}/each`, { inEach: false }).code;
      const decl = this.itemVars.length > 0 ? [`let ${this.itemVars.join(', ')};`] : [];
      const inner = when === null ? lines : [`if (!${when}) continue;`, ...lines];
      body = [
        `  const ${arr} = ${each};`,
        `  if (Array.isArray(${arr})) for (let j = 0; j < ${arr}.length; j++) {`,
        `    item = ${arr}[j]; idx = j;`,
        indent([...decl, ...inner], 4),
        `  }`,
      ].join('\n');
    } else {
      body = [when === null ? '  {' : `  if (${when}) {`, indent(lines, 4), '  }'].join('\n');
    }
    return { name, body: `  // row spec ${q(name)}\n${body}` };
  }

  /**
   * Coerce a value to a leaf's type, inline for the common case (the value already has the
   * type), through the helper otherwise: many small calls in one big generated function would
   * exhaust the optimiser's inlining budget.
   */
  private coerce(kind: LeafKind, code: string): string {
    switch (kind) {
      case 'number':
        return `(typeof (t = ${code}) === "number" && t - t === 0 ? t : ${this.h('N')}(t))`;
      case 'string':
        return `(typeof (t = ${code}) === "string" ? t : ${this.h('S')}(t))`;
      case 'boolean':
        return `(typeof (t = ${code}) === "boolean" ? t : null)`;
      default:
        return `${this.h('O')}(${code})`;
    }
  }

  private checkConstKind(value: unknown, kind: LeafKind, path: string, ptr: string): void {
    if (value === null || value === undefined) return;
    const ok =
      kind === 'number'
        ? typeof value === 'number'
        : kind === 'string'
          ? typeof value === 'string'
          : kind === 'boolean'
            ? typeof value === 'boolean'
            : isPlainObject(value);
    if (!ok) this.fail(ptr, `${path} is a ${kind} field: the constant must be a ${kind} or null`);
  }

  /** The object literal of a row: only the leaves the spec writes, nested as in the Usage schema. */
  private literal(
    fieldVar: ReadonlyMap<string, string>,
    idVar: string,
    chargesVar: string | null,
    resourcesVar: string | null,
    remote: string,
  ): string {
    interface Node {
      path: string;
      children: Map<string, Node>;
      code?: string;
    }
    const root: Node = { path: '', children: new Map() };
    for (const path of USAGE_LEAF_ORDER) {
      let code: string | undefined;
      if (path === 'id') code = idVar;
      else if (path === 'charges') code = chargesVar ?? undefined;
      else if (path === 'resources') code = resourcesVar ?? undefined;
      else code = fieldVar.get(path);
      if (code === undefined) continue;
      let node = root;
      for (const seg of path.split('.')) {
        let next = node.children.get(seg);
        if (next === undefined) {
          next = { path: node.path ? `${node.path}.${seg}` : seg, children: new Map() };
          node.children.set(seg, next);
        }
        node = next;
      }
      node.code = code;
    }
    const leafVars = (n: Node): string[] =>
      n.code !== undefined ? [n.code] : [...n.children.values()].flatMap((c) => leafVars(c));
    const emit = (n: Node): string => {
      if (n.code !== undefined) return n.code;
      const props = [...n.children.entries()].map(([seg, c]) => `${q(seg)}: ${emit(c)}`);
      const obj = `{ ${props.join(', ')} }`;
      const info = USAGE_OBJECTS.get(n.path);
      if (info === undefined || !info.nullable) return obj;
      // A nullable object (product, organization, user, model) is null when a leaf it requires
      // is null, or when all its leaves are.
      const required = [...n.children.values()]
        .filter((c) => c.code !== undefined && USAGE_LEAVES.get(c.path)?.required === true)
        .map((c) => c.code as string);
      const nulls = required.length > 0 ? required : leafVars(n);
      return `(${nulls.map((x) => `${x} === null`).join(' && ')} ? null : ${obj})`;
    };
    const props = [...root.children.entries()].map(([seg, c]) => `${q(seg)}: ${emit(c)}`);
    props.push(`"remote_data": ${remote}`);
    return `{ ${props.join(', ')} }`;
  }

  // ---- the document ------------------------------------------------------------------------

  compile(doc: unknown): { aggregate: boolean; source: string; consts: unknown[] } {
    if (!isPlainObject(doc))
      return this.fail('', 'a mapping document is an object { description, aggregate?, rows }');
    for (const k of Object.keys(doc)) {
      if (k !== 'description' && k !== 'aggregate' && k !== 'rows') {
        this.fail(`/${pointerSegment(k)}`, `unknown key '${k}' (known: description, aggregate, rows)`);
      }
    }
    if (typeof doc.description !== 'string')
      this.fail('/description', 'a mapping needs a `description` string');
    if (doc.aggregate !== undefined && typeof doc.aggregate !== 'boolean')
      this.fail('/aggregate', 'aggregate is true or false');
    if (!Array.isArray(doc.rows) || doc.rows.length === 0)
      this.fail('/rows', 'rows must be a non-empty list of row specs');
    const names = new Set<string>();
    const rows = (doc.rows as unknown[]).map((r, i) => this.row(r, i, names));

    const locals = ['t', 'item', 'idx', ...this.recBindings.values()];
    const constDecl = this.consts.map((_, i) => `K${i} = K[${i}]`).join(', ');
    const source = [
      `"use strict";`,
      `// generated by src/mapping/compile.ts from ${q(this.file)}`,
      `const ${constDecl};`,
      `let ready = false, ci, ca, cr, P;`,
      `function prefix(ctx) {`,
      `  ci = ctx.integration; ca = ctx.accountId; cr = ctx.reportType; ready = true;`,
      `  P = ${this.h('HP')}([ci, ca, cr]);`,
      `}`,
      `return function map(rec, ctx) {`,
      `  if (!ready || ctx.integration !== ci || ctx.accountId !== ca || ctx.reportType !== cr) prefix(ctx);`,
      `  let ${locals.join(', ')};`,
      `  const out = [];`,
      ...rows.map((r) => r.body),
      `  return out;`,
      `};`,
    ].join('\n');
    return { aggregate: doc.aggregate === true, source, consts: this.consts };
  }
}

function mappingName(file: string): string {
  const m = /(?:^|[\\/])([^\\/]+)[\\/]([^\\/]+)\.ya?ml$/.exec(file);
  return m ? `${m[1]}/${m[2]}` : file;
}

/**
 * Validate a mapping document (parsed YAML/JSON) and compile it to a plain JS function. Throws
 * `MappingError` naming `file` and the JSON pointer of the first problem.
 */
export function compileMapping(doc: unknown, file: string): CompiledMapping {
  const compiler = new Compiler(file);
  const schemaError = Value.Errors(MappingDoc, doc).First();
  // The compiler's own checks name the problem more precisely than a union mismatch does, so
  // they run first; the schema is the final word on anything they let through.
  const { aggregate, source, consts } = compiler.compile(doc);
  if (schemaError !== undefined) throw new MappingError(file, schemaError.path, schemaError.message);

  let map: (record: unknown, ctx: MapContext) => UsageRow[];
  try {
    map = new Function('K', source)(consts) as typeof map;
  } catch (e) {
    throw new MappingError(
      file,
      '',
      `internal error: generated code does not compile (${(e as Error).message})`,
    );
  }
  return { name: mappingName(file), aggregate, source, doc: deepFreeze(structuredClone(doc)), map };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
