/**
 * Query-string reading for emulator routes: scalars, arrays in the styles vendors accept, enums,
 * bounded integers, booleans, days and instants, each failing with a 400 whose message text the
 * vendor chooses (clients and gateways under test often match on it), plus a fingerprint that ties a
 * paging token to the query that minted it.
 */
import { parseDay, parseInstant } from './dates.js';
import { badRequest } from './errors.js';
import { hashString } from './prng.js';

/** What a query-string parser hands over: every value a string, repeated keys an array. */
export type RawQuery = Record<string, string | string[] | undefined>;

/**
 * How a vendor spells an array parameter: `a[]=x&a[]=y` (brackets), `a=x&a=y` (repeat, which also
 * admits a single `a=x`), `a=x,y` (comma), `a[0]=x&a[1]=y` (indexed).
 */
export type ArrayStyle = 'brackets' | 'repeat' | 'comma' | 'indexed';

/** The 400 message texts, so each vendor's validation errors read like the vendor's own. */
export interface QueryMessages {
  repeated(name: string): string;
  required(name: string): string;
  tooManyItems(name: string, max: number): string;
  notInList(name: string, value: string, allowed: readonly string[]): string;
  notChoice(name: string, value: string, allowed: readonly string[]): string;
  notInteger(name: string): string;
  tooSmall(name: string, min: number): string;
  tooLarge(name: string, max: number): string;
  notBoolean(name: string): string;
  notDay(name: string): string;
  notInstant(name: string): string;
}

export const DEFAULT_QUERY_MESSAGES: QueryMessages = {
  repeated: (name) => `${name} may be given only once`,
  required: (name) => `${name} is required`,
  tooManyItems: (name, max) => `${name} accepts at most ${max} values`,
  notInList: (name, value, allowed) => `${name}: '${value}' is not one of ${allowed.join(', ')}`,
  notChoice: (name, value, allowed) => `${name}: '${value}' is not one of ${allowed.join(', ')}`,
  notInteger: (name) => `${name} must be an integer`,
  tooSmall: (name, min) => `${name} must be at least ${min}`,
  tooLarge: (name, max) => `${name} must be at most ${max}`,
  notBoolean: (name) => `${name} must be true or false`,
  notDay: (name) => `${name} must be a date in YYYY-MM-DD format`,
  notInstant: (name) => `${name} must be an RFC 3339 date-time with a timezone`,
};

export interface QueryOptions {
  /** Array spellings accepted; default brackets and repeat. */
  arrays?: readonly ArrayStyle[];
  /** Overrides of the default message texts. */
  messages?: Partial<QueryMessages>;
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export class QueryReader {
  readonly messages: QueryMessages;
  readonly #arrays: readonly ArrayStyle[];

  constructor(
    readonly raw: RawQuery,
    opts: QueryOptions = {},
  ) {
    this.messages = { ...DEFAULT_QUERY_MESSAGES, ...opts.messages };
    this.#arrays = opts.arrays ?? ['brackets', 'repeat'];
  }

  /** A scalar parameter; repeating it is a 400 (which value would the vendor have used?). */
  one(name: string): string | undefined {
    const value = this.raw[name];
    if (Array.isArray(value)) throw badRequest(this.messages.repeated(name));
    return value;
  }

  required(name: string): string {
    const value = this.one(name);
    if (value === undefined) throw badRequest(this.messages.required(name));
    return value;
  }

  /** An array parameter in any of the accepted styles, in the order given. */
  many(name: string, maxItems = 100): string[] {
    const styles = this.#arrays;
    const out: string[] = [];
    if (styles.includes('brackets')) out.push(...asList(this.raw[`${name}[]`]));
    if (styles.includes('indexed')) {
      // Indexed keys may arrive out of order (`a[1]=y&a[0]=x`); the index decides.
      const indexed: [number, string][] = [];
      for (const [key, value] of Object.entries(this.raw)) {
        const m = key.startsWith(`${name}[`) ? /^\[(\d+)\]$/.exec(key.slice(name.length)) : null;
        if (m) for (const v of asList(value)) indexed.push([Number(m[1]), v]);
      }
      out.push(...indexed.sort((a, b) => a[0] - b[0]).map(([, v]) => v));
    }
    if (styles.includes('repeat') || styles.includes('comma')) out.push(...asList(this.raw[name]));
    const values = styles.includes('comma') ? out.flatMap((v) => v.split(',')).filter((v) => v !== '') : out;
    if (values.length > maxItems) throw badRequest(this.messages.tooManyItems(name, maxItems));
    return values;
  }

  /** An array parameter whose values must come from `allowed`. */
  enumList<T extends string>(name: string, allowed: readonly T[]): T[] {
    const values = this.many(name);
    for (const v of values) {
      if (!(allowed as readonly string[]).includes(v))
        throw badRequest(this.messages.notInList(name, v, allowed));
    }
    return values as T[];
  }

  int(name: string, opts: { min: number; max: number; fallback: number }): number {
    const text = this.one(name);
    if (text === undefined) return opts.fallback;
    if (!/^\d+$/.test(text)) throw badRequest(this.messages.notInteger(name));
    const value = Number(text);
    if (value < opts.min) throw badRequest(this.messages.tooSmall(name, opts.min));
    if (value > opts.max) throw badRequest(this.messages.tooLarge(name, opts.max));
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const text = this.one(name);
    if (text === undefined) return fallback;
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw badRequest(this.messages.notBoolean(name));
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const text = this.one(name);
    if (text === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(text)) {
      throw badRequest(this.messages.notChoice(name, text, allowed));
    }
    return text as T;
  }

  /** A `YYYY-MM-DD` calendar day, or undefined when absent. */
  day(name: string): string | undefined {
    const text = this.one(name);
    if (text !== undefined && parseDay(text) === null) throw badRequest(this.messages.notDay(name));
    return text;
  }

  requiredDay(name: string): string {
    const day = this.day(name);
    if (day === undefined) throw badRequest(this.messages.required(name));
    return day;
  }

  /** Epoch ms of an RFC 3339 date-time, or null when absent. */
  instant(name: string): number | null {
    const text = this.one(name);
    if (text === undefined) return null;
    const ms = parseInstant(text);
    if (ms === null) throw badRequest(this.messages.notInstant(name));
    return ms;
  }

  requiredInstant(name: string): number {
    const ms = this.instant(name);
    if (ms === null) throw badRequest(this.messages.required(name));
    return ms;
  }

  /**
   * Order-insensitive hash of every parameter except `ignore` (`name[]` and `name` count as one), so
   * a paging token replayed with any other value is recognised as foreign.
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
