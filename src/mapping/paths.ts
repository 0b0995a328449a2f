import { q, type Builder, type C, type Scope } from './builder.js';

/**
 * Path code: `{ path: "a.b.c" }` / `{ path: ["a", "key.with.dots"] }` read from a root (the
 * record, `$item`, `$window`, …) one own-checked step at a time, null when any step is missing.
 * Property names are written with `q` (JSON.stringify), never spliced.
 */

const ROOTS = new Set(['$item', '$index', '$key', '$record', '$window']);

/** names an object or array inherits: reading them needs an own-property check */
function inherited(seg: string): boolean {
  return seg in Object.prototype || seg in Array.prototype;
}

/** The segments of a path spec (a dotted string or a list of literal segments). */
export function segments(b: Builder, spec: unknown, ptr: string): string[] {
  if (typeof spec === 'string') {
    if (spec.length === 0) b.fail(ptr, 'a path must not be empty');
    const segs = spec.split('.');
    if (segs.some((s) => s.length === 0)) {
      b.fail(ptr, `path '${spec}' has an empty segment; use a list of segments for keys with dots`);
    }
    return segs;
  }
  if (Array.isArray(spec)) {
    if (spec.length === 0) b.fail(ptr, 'a path must have at least one segment');
    spec.forEach((s, i) => {
      if (typeof s !== 'string') b.fail(`${ptr}/${i}`, 'a path segment must be a string');
    });
    return spec as string[];
  }
  return b.fail(ptr, 'a path is a dotted string or a list of segments');
}

/** The code of a path expression. */
export function pathCode(b: Builder, spec: unknown, ptr: string, scope: Scope): C {
  const segs = segments(b, spec, ptr);
  let root = 'rec';
  let rest = segs;
  const head = segs[0] as string;
  if (ROOTS.has(head)) {
    if (head === '$index') {
      if (segs.length > 1) b.fail(ptr, '$index is a number: it has no fields');
      if (!scope.inEach) b.fail(ptr, '$index is only defined inside a row spec with `each`');
      return { code: 'idx', item: true };
    }
    if (head === '$key') {
      if (segs.length > 1) b.fail(ptr, '$key is a string: it has no fields');
      if (scope.keys !== true) b.fail(ptr, '$key is only defined inside a row spec with `each: { keys_of }`');
      return { code: 'key', item: true };
    }
    if (head === '$item') {
      if (!scope.inEach) b.fail(ptr, '$item is only defined inside a row spec with `each`');
      root = 'item';
    }
    if (head === '$window') root = 'ctx.window';
    rest = segs.slice(1);
  }
  const item = root === 'item';
  if (rest.length === 0) return { code: `(${root} === undefined ? null : ${root})`, item };
  return steps(b, { code: root, item }, rest);
}

/**
 * Read `segs` below the value of `from`. Each prefix is its own (shared, lazily bound) step:
 * `a.b.c` and `a.b.d` read `a.b` once per record.
 */
export function steps(b: Builder, from: C, segs: readonly string[]): C {
  let c = from;
  for (const seg of segs) {
    const key = q(seg);
    const read = inherited(seg) ? `(Object.hasOwn(t, ${key}) ? t[${key}] : undefined)` : `t[${key}]`;
    c = b.bind({
      code: `((t = ${c.code}) !== null && typeof t === "object" && (t = ${read}) !== undefined ? t : null)`,
      item: from.item,
    });
  }
  return c;
}
