import { isPlainObject, isPrimitive, q, type Builder, type C, type Scope } from './builder.js';
import { cond } from './conditions.js';
import { pointerSegment } from './errors.js';
import { coerce, expr } from './expressions.js';
import { pathCode } from './paths.js';
import { CHARGE_TYPES } from './usage-fields.js';
import type { LeafKind, MappingTarget } from './target.js';

/**
 * Row-spec code: one block of the generated function per row spec (a loop for `each`), which
 * evaluates the fields into locals, hashes the key into the id, collects charges and resources
 * and pushes the row literal (schema order of the target, only the leaves the spec writes). The
 * target is the Usage row, or a list record whose id is the vendor's own (`fields.id`).
 */

const ROW_KEYS = new Set(['name', 'each', 'when', 'key', 'fields', 'charges', 'resources', 'remote_data']);
const RESOURCE_KEYS = ['id', 'name', 'workspace_id', 'workspace_name'] as const;

/**
 * `each: <path>` (array elements), `each: { keys_of: <path> }` (own keys of an object) or
 * `each: { first_of: [<path>, …] }` (elements of the first of these paths holding an array: one
 * row spec, so one id, whichever name the vendor used for the list).
 */
interface Each {
  readonly keysOf: boolean;
  readonly paths: readonly { path: unknown; ptr: string }[];
}

const EACH_FORMS =
  'each is a path (one row per array element), { keys_of: <path> } or { first_of: [<path>, …] }';

function eachOf(b: Builder, spec: unknown, ptr: string): Each | null {
  if (spec === undefined) return null;
  if (!isPlainObject(spec)) return { keysOf: false, paths: [{ path: spec, ptr }] };
  const keys = Object.keys(spec);
  for (const k of keys) {
    if (k !== 'keys_of' && k !== 'first_of')
      b.fail(`${ptr}/${pointerSegment(k)}`, `unknown key '${k}' in each (known: keys_of, first_of)`);
  }
  if (keys.length !== 1) b.fail(ptr, EACH_FORMS);
  if (Object.hasOwn(spec, 'keys_of'))
    return { keysOf: true, paths: [{ path: spec.keys_of, ptr: `${ptr}/keys_of` }] };
  const list = spec.first_of;
  if (!Array.isArray(list) || list.length === 0)
    return b.fail(`${ptr}/first_of`, 'first_of is a non-empty list of paths');
  return { keysOf: false, paths: list.map((path, i) => ({ path, ptr: `${ptr}/first_of/${i}` })) };
}

export function row(
  b: Builder,
  spec: unknown,
  i: number,
  names: Set<string>,
): { name: string; body: string } {
  const ptr = `/rows/${i}`;
  if (!isPlainObject(spec)) return b.fail(ptr, 'a row spec is an object');
  for (const k of Object.keys(spec)) {
    if (!ROW_KEYS.has(k)) {
      b.fail(
        `${ptr}/${pointerSegment(k)}`,
        `unknown key '${k}' in a row spec (known: ${[...ROW_KEYS].join(', ')})`,
      );
    }
  }
  const target = b.target;
  for (const section of ['charges', 'resources'] as const) {
    if (spec[section] !== undefined && !target.sections[section])
      b.fail(`${ptr}/${section}`, `a ${target.name} has no ${section}`);
  }
  const name = spec.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    return b.fail(`${ptr}/name`, 'a row spec needs a `name` of letters, digits, _ . -');
  }
  if (names.has(name)) b.fail(`${ptr}/name`, `duplicate row spec name '${name}'`);
  names.add(name);

  const each = eachOf(b, spec.each, `${ptr}/each`);
  const scope: Scope =
    each === null ? { inEach: false } : each.keysOf ? { inEach: true, keys: true } : { inEach: true };
  b.startRow();
  const lines: string[] = [];

  // fields, evaluated into locals
  if (!isPlainObject(spec.fields))
    b.fail(`${ptr}/fields`, `fields must be an object of ${target.name} field → expression`);
  const fields = spec.fields as Record<string, unknown>;
  const fieldVar = new Map<string, string>();
  Object.keys(fields).forEach((path, j) => {
    const at = `${ptr}/fields/${pointerSegment(path)}`;
    if (Object.hasOwn(target.reserved, path)) {
      b.fail(at, `'${path}' cannot be written in fields: ${target.reserved[path]}`);
    }
    const leaf = target.leaves.get(path);
    if (leaf === undefined) return b.fail(at, `not a ${target.name} field`);
    const e = fields[path];
    if (isPlainObject(e) && Object.hasOwn(e, 'const') && e.transform === undefined) {
      checkConstKind(b, e.const, leaf.kind, path, `${at}/const`);
    }
    const c = expr(b, e, at, scope);
    const local = `f${j}_${i}`;
    fieldVar.set(path, local);
    const literal =
      isPlainObject(e) &&
      e.transform === undefined &&
      (e.const === null || isPrimitive(e.const)) &&
      leaf.kind !== 'object';
    // a scalar constant of the right type (checked above) needs no run-time coercion
    lines.push(`const ${local} = ${literal ? c.code : coerce(b, leaf.kind, c.code)};`);
  });

  // key → id = hash([integration, account, report type, ...key, row spec name]). The hash state
  // after the key's leading record-level parts is bound per record, so row specs whose keys
  // start alike (an actor-day row and its per-model rows) hash that start once.
  if (target.id === 'field') return listRow(b, spec, i, name, lines, fieldVar, scope, each, ptr);
  if (!Array.isArray(spec.key) || spec.key.length === 0) {
    b.fail(`${ptr}/key`, 'key must be a non-empty list of expressions (the natural key of the row)');
  }
  const keyParts = (spec.key as unknown[]).map((e, j) => expr(b, e, `${ptr}/key/${j}`, scope));
  let lead = 0;
  while (lead < keyParts.length && !(keyParts[lead] as C).item) lead++;
  const state =
    lead === 0
      ? 'P'
      : b.bind({
          code: `${b.h('HX')}(P, [${keyParts
            .slice(0, lead)
            .map((k) => k.code)
            .join(', ')}])`,
          item: false,
        }).code;
  const rest = [...keyParts.slice(lead).map((k) => k.code), q(name)];
  lines.push(`const id_${i} = ${b.h('HF')}(${state}, [${rest.join(', ')}]);`);

  // charges
  const hasCharges = spec.charges !== undefined;
  if (hasCharges) {
    if (!Array.isArray(spec.charges)) b.fail(`${ptr}/charges`, 'charges must be a list');
    lines.push(`let ch_${i} = null;`); // allocated only when a charge is kept
    (spec.charges as unknown[]).forEach((c, j) => {
      const at = `${ptr}/charges/${j}`;
      if (!isPlainObject(c)) return b.fail(at, 'a charge is { amount, currency, type }');
      for (const k of Object.keys(c)) {
        if (k !== 'amount' && k !== 'currency' && k !== 'type')
          b.fail(`${at}/${pointerSegment(k)}`, `unknown key '${k}' in a charge`);
      }
      // A literal type, or an expression whose value must be a charge type (else the charge is left out).
      let type: string;
      let typeOk = '';
      if (isPlainObject(c.type)) {
        type = `t${j}_${i}`;
        const known = b.kShared('charge-types', new Set(CHARGE_TYPES));
        lines.push(`const ${type} = ${coerce(b, 'string', expr(b, c.type, `${at}/type`, scope).code)};`);
        typeOk = ` && ${known}.has(${type})`;
      } else if (typeof c.type !== 'string' || !CHARGE_TYPES.includes(c.type)) {
        return b.fail(`${at}/type`, `charge type must be one of ${CHARGE_TYPES.join(', ')}`);
      } else type = q(c.type);
      if (!Object.hasOwn(c, 'amount')) b.fail(at, 'a charge needs an `amount`');
      const amount = expr(b, c.amount, `${at}/amount`, scope).code;
      const currency =
        c.currency === undefined
          ? 'null'
          : coerce(b, 'string', expr(b, c.currency, `${at}/currency`, scope).code);
      const a = `a${j}_${i}`;
      lines.push(
        `const ${a} = ${coerce(b, 'number', amount)};`,
        `if (${a} !== null${typeOk}) (ch_${i} ??= []).push({ "amount": ${a}, "currency": ${currency}, "type": ${type} });`,
      );
    });
  }

  // resources
  const hasResources = spec.resources !== undefined;
  if (hasResources) {
    if (!Array.isArray(spec.resources)) b.fail(`${ptr}/resources`, 'resources must be a list');
    lines.push(`let rs_${i} = null;`);
    (spec.resources as unknown[]).forEach((r, j) => {
      const at = `${ptr}/resources/${j}`;
      if (!isPlainObject(r)) return b.fail(at, 'a resource is { id, name, workspace_id, workspace_name }');
      for (const k of Object.keys(r)) {
        if (!(RESOURCE_KEYS as readonly string[]).includes(k)) {
          b.fail(`${at}/${pointerSegment(k)}`, `unknown key '${k}' in a resource`);
        }
      }
      const val = (k: (typeof RESOURCE_KEYS)[number]): string => {
        const local = `res_${k}_${j}_${i}`;
        const code =
          r[k] === undefined ? 'null' : coerce(b, 'string', expr(b, r[k], `${at}/${k}`, scope).code);
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
    spec.remote_data === undefined ? 'rec' : expr(b, spec.remote_data, `${ptr}/remote_data`, scope).code;

  // the row literal, in Usage schema order; charges/resources only when not empty
  const lit = (withCharges: boolean, withResources: boolean): string =>
    literal(
      b.target,
      fieldVar,
      `id_${i}`,
      withCharges ? `ch_${i}` : null,
      withResources ? `rs_${i}` : null,
      remote,
    );
  let push: string;
  if (hasCharges && hasResources) {
    push =
      `ch_${i} === null ? (rs_${i} === null ? ${lit(false, false)} : ${lit(false, true)})` +
      ` : (rs_${i} === null ? ${lit(true, false)} : ${lit(true, true)})`;
  } else if (hasCharges) {
    push = `ch_${i} === null ? ${lit(false, false)} : ${lit(true, false)}`;
  } else if (hasResources) {
    push = `rs_${i} === null ? ${lit(false, false)} : ${lit(false, true)}`;
  } else {
    push = lit(false, false);
  }
  lines.push(`out.push(${push});`);

  return { name, body: wrap(b, spec, i, name, lines, scope, each, ptr) };
}

function checkConstKind(b: Builder, value: unknown, kind: LeafKind, path: string, ptr: string): void {
  if (value === null || value === undefined) return;
  const ok =
    kind === 'number'
      ? typeof value === 'number'
      : kind === 'string'
        ? typeof value === 'string'
        : kind === 'boolean'
          ? typeof value === 'boolean'
          : isPlainObject(value);
  if (!ok) b.fail(ptr, `${path} is a ${kind} field: the constant must be a ${kind} or null`);
}

/** The object literal of a row: only the leaves the spec writes, nested as in the target's schema. */
function literal(
  target: MappingTarget,
  fieldVar: ReadonlyMap<string, string>,
  idVar: string | null,
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
  for (const path of target.order) {
    let code: string | undefined;
    if (path === 'id' && idVar !== null) code = idVar;
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
    const info = target.objects.get(n.path);
    if (info === undefined || !info.nullable) return obj;
    // A nullable object (product, organization, user, model) is null when a leaf it requires
    // is null, or when all its leaves are.
    const required = [...n.children.values()]
      .filter((c) => c.code !== undefined && target.leaves.get(c.path)?.required === true)
      .map((c) => c.code as string);
    const nulls = required.length > 0 ? required : leafVars(n);
    return `(${nulls.map((x) => `${x} === null`).join(' && ')} ? null : ${obj})`;
  };
  const props = [...root.children.entries()].map(([seg, c]) => `${q(seg)}: ${emit(c)}`);
  props.push(`"remote_data": ${remote}`);
  return `{ ${props.join(', ')} }`;
}

/** The row spec's block: its lines once per record, or in a loop over `each`, behind its `when`. */
function wrap(
  b: Builder,
  spec: Record<string, unknown>,
  i: number,
  name: string,
  lines: string[],
  scope: Scope,
  each: Each | null,
  ptr: string,
): string {
  const when = spec.when === undefined ? null : cond(b, spec.when, `${ptr}/when`, scope);
  const indent = (ls: string[], n: number) => ls.map((l) => ' '.repeat(n) + l).join('\n');
  let body: string;
  if (each !== null) {
    const srcs = each.paths.map((p) => pathCode(b, p.path, p.ptr, { inEach: false }).code);
    const src = srcs[0] as string;
    const decl = b.itemVars.length > 0 ? [`let ${b.itemVars.join(', ')};`] : [];
    const inner = when === null ? lines : [`if (!${when}) continue;`, ...lines];
    if (each.keysOf) {
      // own enumerable keys of a plain object, in `Object.keys` order
      const obj = `obj_${i}`;
      const keys = `keys_${i}`;
      body = [
        `  const ${obj} = ${src};`,
        `  if (${obj} !== null && typeof ${obj} === "object" && !Array.isArray(${obj})) {`,
        `    const ${keys} = Object.keys(${obj});`,
        `    for (let j = 0; j < ${keys}.length; j++) {`,
        `      key = ${keys}[j]; item = ${obj}[key]; idx = j;`,
        indent([...decl, ...inner], 6),
        `    }`,
        `  }`,
      ].join('\n');
    } else {
      const arr = `arr_${i}`;
      // first_of: the later paths are read only while no array has been found.
      const fallbacks = srcs.slice(1).map((alt) => `  if (!Array.isArray(${arr})) ${arr} = ${alt};`);
      body = [
        `  let ${arr} = ${src};`,
        ...fallbacks,
        `  if (Array.isArray(${arr})) for (let j = 0; j < ${arr}.length; j++) {`,
        `    item = ${arr}[j]; idx = j;`,
        indent([...decl, ...inner], 4),
        `  }`,
      ].join('\n');
    }
  } else {
    body = [when === null ? '  {' : `  if (${when}) {`, indent(lines, 4), '  }'].join('\n');
  }
  return `  // row spec ${q(name)}\n${body}`;
}

/**
 * A list record (product, organization, workspace): its id is the vendor's own, written in
 * `fields.id` (equal to the id usage rows carry); a record without one is left out.
 */
function listRow(
  b: Builder,
  spec: Record<string, unknown>,
  i: number,
  name: string,
  lines: string[],
  fieldVar: ReadonlyMap<string, string>,
  scope: Scope,
  each: Each | null,
  ptr: string,
): { name: string; body: string } {
  const target = b.target;
  if (spec.key !== undefined)
    b.fail(`${ptr}/key`, `a ${target.name} keeps the vendor's id: write it in fields.id, not key`);
  const id = fieldVar.get('id');
  if (id === undefined) return b.fail(`${ptr}/fields`, `a ${target.name} needs fields.id`);
  const remote =
    spec.remote_data === undefined ? 'rec' : expr(b, spec.remote_data, `${ptr}/remote_data`, scope).code;
  lines.push(`if (${id} !== null) out.push(${literal(target, fieldVar, null, null, null, remote)});`);
  return { name, body: wrap(b, spec, i, name, lines, scope, each, ptr) };
}
