/**
 * Query-string reading shared by every route: scalars, bracketed arrays (`group_by[]=a&group_by[]=b`),
 * integer and boolean parameters with the vendor's 400 messages, and a fingerprint that binds a
 * cursor to the query that minted it.
 */
import { badRequest } from './errors.js';
import { hashString } from './prng.js';

export type RawQuery = Record<string, string | string[] | undefined>;

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export class QueryReader {
  constructor(readonly raw: RawQuery) {}

  /** A scalar parameter; repeating it is a 400. */
  one(name: string): string | undefined {
    const value = this.raw[name];
    if (Array.isArray(value)) throw badRequest(`${name}: may be given only once`);
    return value;
  }

  /** An array parameter, `name[]=a&name[]=b`; a bare `name=a` is accepted too. */
  many(name: string, maxItems = 100): string[] {
    const out = [...asList(this.raw[`${name}[]`]), ...asList(this.raw[name])];
    if (out.length > maxItems) throw badRequest(`${name}[]: at most ${maxItems} entries`);
    return out;
  }

  /** An array parameter whose values must come from `allowed`. */
  enumList<T extends string>(name: string, allowed: readonly T[]): T[] {
    const values = this.many(name);
    for (const v of values) {
      if (!(allowed as readonly string[]).includes(v)) {
        throw badRequest(`${name}[]: unsupported value '${v}'; expected one of ${allowed.join(', ')}`);
      }
    }
    return values as T[];
  }

  int(name: string, opts: { min: number; max: number; fallback: number }): number {
    const text = this.one(name);
    if (text === undefined) return opts.fallback;
    if (!/^\d+$/.test(text)) throw badRequest(`${name}: Input should be a valid integer`);
    const value = Number(text);
    if (value < opts.min) throw badRequest(`${name}: Input should be greater than or equal to ${opts.min}`);
    if (value > opts.max) throw badRequest(`${name}: Input should be less than or equal to ${opts.max}`);
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const text = this.one(name);
    if (text === undefined) return fallback;
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw badRequest(`${name}: Input should be a valid boolean ('true' or 'false')`);
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const text = this.one(name);
    if (text === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(text)) {
      throw badRequest(`${name}: Input should be ${allowed.map((a) => `'${a}'`).join(' or ')}`);
    }
    return text as T;
  }

  /**
   * Order-insensitive hash of every parameter except `ignore` (`name[]` and `name` count as one), so
   * a cursor replayed with any other value is recognised as foreign.
   */
  fingerprint(ignore: readonly string[], scope = ''): string {
    const merged = new Map<string, string[]>();
    for (const [key, value] of Object.entries(this.raw)) {
      const base = key.endsWith('[]') ? key.slice(0, -2) : key;
      if (ignore.includes(base)) continue;
      merged.set(base, [...(merged.get(base) ?? []), ...asList(value)]);
    }
    const entries = [...merged.entries()].map(([k, v]) => [k, v.sort()] as const);
    const canonical = JSON.stringify([scope, entries.sort((a, b) => (a[0] < b[0] ? -1 : 1))]);
    const a = hashString(canonical).toString(16).padStart(8, '0');
    const b = hashString(`#${canonical}`).toString(16).padStart(8, '0');
    return a + b;
  }
}
