import { Value } from '@sinclair/typebox/value';
import { isPlainObject, isPrimitive, q, type Builder, type C, type Scope } from './builder.js';
import { pointerSegment } from './errors.js';
import { pathCode, segments, steps } from './paths.js';
import { TRANSFORMS, isTransformName, type TransformDef } from './transforms.js';
import type { LeafKind } from './usage-fields.js';

/**
 * Expression code: `path`, `const`, `enum`, `sum`, `coalesce`, `list`, `lookup`, each optionally
 * followed by transforms. Every expression yields a value or null (never undefined) and is bound
 * once per record or per `each` element (`Builder.bind`).
 */

export const EXPR_KINDS = ['path', 'const', 'enum', 'sum', 'coalesce', 'list', 'lookup'] as const;
/** keys a kind takes besides its own (and transform/args) */
const EXPR_EXTRA: Partial<Record<(typeof EXPR_KINDS)[number], readonly string[]>> = {
  lookup: ['key', 'field', 'ignore_case'],
};

export function expr(b: Builder, node: unknown, ptr: string, scope: Scope): C {
  if (!isPlainObject(node)) {
    return b.fail(ptr, `an expression is an object with one of: ${EXPR_KINDS.join(', ')}`);
  }
  const kinds = EXPR_KINDS.filter((k) => Object.hasOwn(node, k));
  if (kinds.length !== 1) {
    return b.fail(
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
      b.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' in a '${kind}' expression`);
    }
  }
  let c: C;
  switch (kinds[0]) {
    case 'path':
      c = pathCode(b, node.path, `${ptr}/path`, scope);
      break;
    case 'const':
      c = { code: constant(b, node.const, `${ptr}/const`), item: false };
      break;
    case 'enum':
      c = enumExpr(b, node.enum, `${ptr}/enum`, scope);
      break;
    case 'sum': {
      const parts = list(b, node.sum, `${ptr}/sum`, scope, 1);
      c = b.bind({
        code: `${b.h('SUM')}([${parts.map((p) => p.code).join(', ')}])`,
        item: parts.some((p) => p.item),
      });
      break;
    }
    case 'coalesce': {
      // (p1 !== null ? p1 : (p2 !== null ? p2 : p3)), each part bound so it is evaluated once
      const parts = list(b, node.coalesce, `${ptr}/coalesce`, scope, 1).map((p) => b.bind(p));
      const last = parts[parts.length - 1] as C;
      c = b.bind({
        code: parts
          .slice(0, -1)
          .reduceRight((acc, part) => `(${part.code} !== null ? ${part.name} : ${acc})`, last.code),
        item: parts.some((p) => p.item),
      });
      break;
    }
    case 'lookup':
      c = lookup(b, node, ptr, scope);
      break;
    default: {
      const parts = list(b, node.list, `${ptr}/list`, scope, 0);
      c = b.bind({ code: `[${parts.map((p) => p.code).join(', ')}]`, item: parts.some((p) => p.item) });
    }
  }
  return transforms(b, c, node, ptr);
}

function list(b: Builder, v: unknown, ptr: string, scope: Scope, min: number): C[] {
  if (!Array.isArray(v) || v.length < min) {
    return b.fail(ptr, min > 0 ? 'must be a non-empty list of expressions' : 'must be a list of expressions');
  }
  return v.map((e, i) => expr(b, e, `${ptr}/${i}`, scope));
}

function constant(b: Builder, v: unknown, ptr: string): string {
  if (v === undefined) return 'null';
  if (isPrimitive(v)) return `(${q(v)})`;
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch {
    json = undefined;
  }
  if (json === undefined || typeof v === 'number') b.fail(ptr, 'a constant must be JSON');
  // Objects and arrays are rebuilt from their JSON for every use (rows never share them).
  return `${b.h('JP')}(${b.k(json)})`;
}

function enumExpr(b: Builder, v: unknown, ptr: string, scope: Scope): C {
  if (!isPlainObject(v)) return b.fail(ptr, 'enum is { from, map, default? }');
  for (const k of Object.keys(v)) {
    if (k !== 'from' && k !== 'map' && k !== 'default')
      b.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' in enum`);
  }
  if (!Object.hasOwn(v, 'from')) b.fail(ptr, 'enum needs `from`');
  if (!isPlainObject(v.map)) return b.fail(`${ptr}/map`, 'enum `map` must be an object of value → result');
  const map = new Map<string, unknown>();
  for (const [k, r] of Object.entries(v.map)) {
    if (!isPrimitive(r))
      b.fail(`${ptr}/map/${pointerSegment(k)}`, 'enum results must be strings, numbers, booleans or null');
    map.set(k, r);
  }
  const dflt = v.default === undefined ? null : v.default;
  if (!isPrimitive(dflt)) b.fail(`${ptr}/default`, 'enum default must be a string, number, boolean or null');
  const from = expr(b, v.from, `${ptr}/from`, scope);
  return b.bind({ code: `${b.h('EN')}(${b.k(map)}, ${q(dflt)}, ${from.code})`, item: from.item });
}

/**
 * `{ lookup: <table>, key: <expr>, field?: <path>, ignore_case?: true }`: join on a lookup table of
 * the context; with `ignore_case` the key is compared lowercased (`LKI`).
 */
function lookup(b: Builder, node: Record<string, unknown>, ptr: string, scope: Scope): C {
  if (typeof node.lookup !== 'string' || node.lookup.length === 0) {
    return b.fail(`${ptr}/lookup`, 'lookup names a lookup table of the connector resource');
  }
  if (!Object.hasOwn(node, 'key')) b.fail(ptr, 'a lookup needs a `key` expression');
  if (node.ignore_case !== undefined && typeof node.ignore_case !== 'boolean') {
    b.fail(`${ptr}/ignore_case`, 'ignore_case is true or false');
  }
  const key = expr(b, node.key, `${ptr}/key`, scope);
  const record = b.bind({
    code: `${b.h(node.ignore_case === true ? 'LKI' : 'LK')}(ctx, ${q(node.lookup)}, ${key.code})`,
    item: key.item,
  });
  if (node.field === undefined) return record;
  return steps(b, record, segments(b, node.field, `${ptr}/field`));
}

// ---- transforms --------------------------------------------------------------------------------

/** Apply the `transform` of an expression or condition node (a name, a step, or a pipeline). */
export function transforms(b: Builder, c: C, node: Record<string, unknown>, ptr: string): C {
  const spec = node.transform;
  if (spec === undefined) {
    if (node.args !== undefined)
      b.fail(`${ptr}/args`, '`args` is only allowed with a single `transform` name');
    return c;
  }
  if (typeof spec === 'string') return step(b, c, spec, node.args, `${ptr}/transform`, `${ptr}/args`);
  if (isPlainObject(spec)) {
    // a single step written as { name, args }
    if (node.args !== undefined)
      b.fail(`${ptr}/args`, 'give the args inside the transform step ({ name, args })');
    return stepObject(b, c, spec, `${ptr}/transform`);
  }
  if (!Array.isArray(spec) || spec.length === 0) {
    return b.fail(`${ptr}/transform`, 'a transform is a name or a non-empty list of steps');
  }
  if (node.args !== undefined) {
    b.fail(`${ptr}/args`, 'with a list of transform steps, give each step its own `args` ({ name, args })');
  }
  spec.forEach((s, i) => {
    const at = `${ptr}/transform/${i}`;
    if (typeof s === 'string') {
      c = step(b, c, s, undefined, at, `${at}/args`);
    } else if (isPlainObject(s)) {
      c = stepObject(b, c, s, at);
    } else {
      b.fail(at, 'a transform step is a name or { name, args }');
    }
  });
  return c;
}

function stepObject(b: Builder, c: C, s: Record<string, unknown>, at: string): C {
  for (const k of Object.keys(s)) {
    if (k !== 'name' && k !== 'args')
      b.fail(`${at}/${pointerSegment(k)}`, `unknown key '${k}' in a transform step`);
  }
  if (typeof s.name !== 'string') b.fail(`${at}/name`, 'a transform step needs a `name`');
  return step(b, c, s.name as string, s.args, `${at}/name`, `${at}/args`);
}

function step(b: Builder, c: C, name: string, args: unknown, namePtr: string, argsPtr: string): C {
  if (!isTransformName(name)) {
    b.fail(namePtr, `unknown transform '${name}' (known: ${Object.keys(TRANSFORMS).join(', ')})`);
  }
  const t = TRANSFORMS[name] as TransformDef;
  const a = args === undefined ? {} : args;
  if (!isPlainObject(a)) b.fail(argsPtr, 'args must be an object');
  const err = Value.Errors(t.args, a).First();
  if (err !== undefined) {
    b.fail(`${argsPtr}${err.path}`, `bad args for transform '${name}': ${err.message}`);
  }
  const frozen = Object.freeze(structuredClone(a));
  const fn = b.kShared(t.fn, t.fn);
  const argsConst = b.kShared(`args:${name}:${JSON.stringify(frozen)}`, frozen);
  return b.bind({
    code: `((t = ${fn}(${c.code}, ${argsConst})) === undefined ? null : t)`,
    item: c.item,
  });
}

// ---- coercion to a Usage leaf's type -----------------------------------------------------------

/**
 * Coerce a value to a leaf's type, inline for the common case (the value already has the
 * type), through the helper otherwise: many small calls in one big generated function would
 * exhaust the optimiser's inlining budget.
 */
export function coerce(b: Builder, kind: LeafKind, code: string): string {
  switch (kind) {
    case 'number':
      return `(typeof (t = ${code}) === "number" && t - t === 0 ? t : ${b.h('N')}(t))`;
    case 'string':
      return `(typeof (t = ${code}) === "string" ? t : ${b.h('S')}(t))`;
    case 'boolean':
      return `(typeof (t = ${code}) === "boolean" ? t : null)`;
    default:
      return `${b.h('O')}(${code})`;
  }
}
