import { isPlainObject, isPrimitive, q, type Builder, type Scope } from './builder.js';
import { pointerSegment } from './errors.js';
import { transforms } from './expressions.js';
import { pathCode } from './paths.js';

/**
 * Condition code (`when`): `{ path, equals }`, `{ path, exists }`, `{ path, in }`,
 * `{ path, matches }` (the path may carry a `transform`), and `{ all }`, `{ any }`, `{ not }`.
 * The result is a JS boolean expression.
 */

const TESTS = ['equals', 'exists', 'in', 'matches'];

export function cond(b: Builder, node: unknown, ptr: string, scope: Scope): string {
  if (!isPlainObject(node)) return b.fail(ptr, 'a condition is an object');
  const logic = ['all', 'any', 'not'].filter((k) => Object.hasOwn(node, k));
  const tests = TESTS.filter((k) => Object.hasOwn(node, k));
  if (logic.length + tests.length !== 1) {
    return b.fail(
      ptr,
      'a condition is exactly one of { path, equals }, { path, exists }, { path, in }, { path, matches }, { all }, { any }, { not }',
    );
  }
  if (logic.length === 1) {
    const op = logic[0] as string;
    for (const k of Object.keys(node)) {
      if (k !== op) b.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' next to '${op}'`);
    }
    if (op === 'not') return `!(${cond(b, node.not, `${ptr}/not`, scope)})`;
    const list = node[op];
    if (!Array.isArray(list) || list.length === 0) {
      return b.fail(`${ptr}/${op}`, `'${op}' needs a non-empty list of conditions`);
    }
    const parts = list.map((c, i) => cond(b, c, `${ptr}/${op}/${i}`, scope));
    return `(${parts.join(op === 'all' ? ' && ' : ' || ')})`;
  }
  const test = tests[0] as string;
  for (const k of Object.keys(node)) {
    if (k !== test && k !== 'path' && k !== 'transform' && k !== 'args') {
      b.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' in a condition`);
    }
  }
  if (!Object.hasOwn(node, 'path')) b.fail(ptr, `'${test}' needs a \`path\``);
  const subject = transforms(b, pathCode(b, node.path, `${ptr}/path`, scope), node, ptr).code;
  if (test === 'exists') {
    if (typeof node.exists !== 'boolean') b.fail(`${ptr}/exists`, 'exists is true or false');
    return `(${subject} ${node.exists ? '!==' : '==='} null)`;
  }
  if (test === 'equals') {
    if (!isPrimitive(node.equals))
      b.fail(`${ptr}/equals`, 'equals compares with a string, number, boolean or null');
    return `(${subject} === ${q(node.equals)})`;
  }
  if (test === 'matches') {
    if (typeof node.matches !== 'string')
      b.fail(`${ptr}/matches`, 'matches is a regular expression (a string)');
    let re: RegExp;
    try {
      re = new RegExp(node.matches as string, 'u');
    } catch (e) {
      return b.fail(`${ptr}/matches`, `not a valid regular expression: ${(e as Error).message}`);
    }
    // no `g`/`y` flag: `test` keeps no state between calls
    return `(typeof (t = ${subject}) === "string" && ${b.k(re)}.test(t))`;
  }
  const values = node.in;
  if (!Array.isArray(values) || values.length === 0)
    return b.fail(`${ptr}/in`, "'in' needs a non-empty list of values");
  values.forEach((x, i) => {
    if (!isPrimitive(x)) b.fail(`${ptr}/in/${i}`, "'in' values are strings, numbers, booleans or null");
  });
  return `${b.k(new Set(values))}.has(${subject})`;
}
