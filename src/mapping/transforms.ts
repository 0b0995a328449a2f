import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { shiftToNumber, toExactNumber } from './decimal.js';

/**
 * The named transforms a mapping may apply (`{ path: …, transform: <name>, args: {…} }`). A closed
 * registry: a name not listed here is a compile error. Each transform is a small pure function of
 * `(value, args)`; `args` is validated against the transform's TypeBox schema when the mapping is
 * compiled. Every transform returns null for null input (absent stays absent, never 0).
 */
export interface TransformDef<A extends TSchema = TSchema> {
  readonly description: string;
  /** schema of the `args` object (an empty object when the transform takes none) */
  readonly args: A;
  /** method syntax on purpose: a registry of differently-typed transforms is a Record<string, TransformDef> */
  fn(value: unknown, args: Static<A>): unknown;
}

function def<A extends TSchema>(
  description: string,
  args: A,
  fn: (value: unknown, args: Static<A>) => unknown,
): TransformDef<A> {
  return { description, args, fn };
}

const NoArgs = Type.Object({}, { additionalProperties: false });

// ---------------------------------------------------------------------------------------------
// dates

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MAX_MS = 8.64e15;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const EPOCH = /^-?\d+(?:\.\d+)?$/;

export type EpochUnit = 's' | 'ms';

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null; // 2026-02-30
  date.setUTCHours(h, mi, s, ms);
  const t = date.getTime();
  return Number.isFinite(t) ? t : null;
}

/**
 * An instant (epoch milliseconds) from RFC 3339 (`2026-03-04T00:00:00Z`, `…+02:00`, fractions),
 * `YYYY-MM-DD` (UTC midnight), `YYYY-MM-DD hh:mm:ss` (UTC), epoch seconds / milliseconds (a
 * number or a digit string; `unit` defaults to seconds), or a `Date` (e.g. `$window.start`).
 * Anything else is null.
 */
export function parseInstant(v: unknown, unit: EpochUnit = 's'): number | null {
  let ms: number | null = null;
  if (v instanceof Date) {
    ms = v.getTime();
  } else if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    ms = unit === 'ms' ? v : v * 1000;
  } else if (typeof v === 'string') {
    const s = v.trim();
    let m: RegExpExecArray | null;
    if ((m = DATE_ONLY.exec(s)) !== null) {
      ms = utc(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0, 0);
    } else if ((m = DATE_TIME.exec(s)) !== null) {
      const frac = m[7] === undefined ? 0 : Number((m[7] + '00').slice(0, 3));
      ms = utc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), frac);
      const zone = m[8];
      if (ms !== null && zone !== undefined && zone !== 'Z' && zone !== 'z') {
        const digits = zone.replace(':', '');
        const oh = Number(digits.slice(1, 3));
        const om = Number(digits.slice(3, 5));
        if (oh > 23 || om > 59) return null;
        const offset = (oh * 60 + om) * 60_000;
        ms = zone[0] === '-' ? ms + offset : ms - offset;
      }
    } else if (EPOCH.test(s)) {
      const n = Number(s);
      ms = unit === 'ms' ? n : n * 1000;
    }
  }
  if (ms === null || !Number.isFinite(ms) || Math.abs(ms) > MAX_MS) return null;
  return Math.floor(ms);
}

/** The one output format of every date transform: `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC). */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** Wraps a date transform in a one-entry memo: rows of a page mostly share their dates. */
function memoDate<A>(fn: (v: unknown, args: A) => string | null): (v: unknown, args: A) => string | null {
  let lastIn: unknown = undefined;
  let lastArgs: A | undefined = undefined;
  let lastOut: string | null = null;
  return (v, args) => {
    if (v === lastIn && args === lastArgs && v !== undefined) return lastOut;
    const out = fn(v, args);
    lastIn = v;
    lastArgs = args;
    lastOut = out;
    return out;
  };
}

const Unit = Type.Optional(Type.Union([Type.Literal('s'), Type.Literal('ms')]));

// ---------------------------------------------------------------------------------------------
// helpers

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Assign an own property, even one named `__proto__`. */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k !== '__proto__') o[k] = v;
  else Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function collectNumbers(v: unknown, out: number[]): void {
  if (v === null || v === undefined) return;
  if (typeof v === 'number' || typeof v === 'string') {
    const n = toExactNumber(v);
    if (n !== null) out.push(n);
  } else if (Array.isArray(v)) {
    for (const x of v) collectNumbers(x, out);
  } else if (typeof v === 'object') {
    for (const x of Object.values(v)) collectNumbers(x, out);
  }
}

function getDotted(o: unknown, path: string): unknown {
  let v: unknown = o;
  for (const seg of path.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, seg)) return null;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// the registry

const AcceptArgs = Type.Object(
  {
    accepted: Type.Optional(Type.String({ minLength: 1 })),
    rejected: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const TRANSFORMS = {
  cents_to_major: def(
    'Cents (number or decimal string) → major units, exactly, by moving the decimal point: "41280.000000" → 412.8, 97 → 0.97.',
    NoArgs,
    (v) => shiftToNumber(v, -2),
  ),
  decimal_to_number: def(
    'A decimal string ("2315.250000", "1e-3") or number → number, exactly (correctly rounded); anything else null.',
    NoArgs,
    (v) => toExactNumber(v),
  ),
  to_number: def(
    'Loose number: numbers, decimal strings (trimmed), booleans as 1/0; anything else null.',
    NoArgs,
    (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : toExactNumber(v)),
  ),
  negate: def(
    'A number or decimal string → its negation, exactly (e.g. list − amount as a sum with a negated part); else null.',
    NoArgs,
    (v) => {
      const n = toExactNumber(v);
      return n === null ? null : n === 0 ? 0 : -n;
    },
  ),
  lowercase: def(
    'Lower-cases a string (numbers and booleans are stringified first); anything else null.',
    NoArgs,
    (v) =>
      typeof v === 'string'
        ? v.toLowerCase()
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v).toLowerCase()
          : null,
  ),
  uppercase: def(
    'Upper-cases a string (numbers and booleans are stringified first); anything else null.',
    NoArgs,
    (v) =>
      typeof v === 'string'
        ? v.toUpperCase()
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v).toUpperCase()
          : null,
  ),
  to_string: def(
    'Strings as they are, numbers/booleans stringified, objects and arrays as JSON; null stays null.',
    NoArgs,
    (v) =>
      v === null || v === undefined
        ? null
        : typeof v === 'string'
          ? v
          : typeof v === 'object'
            ? JSON.stringify(v)
            : typeof v === 'number'
              ? Number.isFinite(v)
                ? String(v)
                : null
              : String(v),
  ),
  iso_datetime: def(
    'RFC 3339, YYYY-MM-DD, "YYYY-MM-DD hh:mm:ss" (UTC) or epoch (args.unit "s" default, or "ms") → YYYY-MM-DDTHH:mm:ss.sssZ.',
    Type.Object({ unit: Unit }, { additionalProperties: false }),
    memoDate((v, a: { unit?: EpochUnit }) => {
      const ms = parseInstant(v, a.unit);
      return ms === null ? null : formatInstant(ms);
    }),
  ),
  day_start: def(
    'Any date iso_datetime accepts → the UTC midnight starting its day (YYYY-MM-DDT00:00:00.000Z).',
    Type.Object({ unit: Unit }, { additionalProperties: false }),
    memoDate((v, a: { unit?: EpochUnit }) => {
      const ms = parseInstant(v, a.unit);
      return ms === null ? null : formatInstant(ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS));
    }),
  ),
  add_days: def(
    'Any date iso_datetime accepts, plus args.days (integer, may be negative) → ISO datetime.',
    Type.Object({ days: Type.Integer(), unit: Unit }, { additionalProperties: false }),
    memoDate((v, a: { days: number; unit?: EpochUnit }) => {
      const ms = parseInstant(v, a.unit);
      if (ms === null) return null;
      const t = ms + a.days * DAY_MS;
      return Math.abs(t) > MAX_MS ? null : formatInstant(t);
    }),
  ),
  add_hours: def(
    'Any date iso_datetime accepts, plus args.hours (integer, may be negative) → ISO datetime.',
    Type.Object({ hours: Type.Integer(), unit: Unit }, { additionalProperties: false }),
    memoDate((v, a: { hours: number; unit?: EpochUnit }) => {
      const ms = parseInstant(v, a.unit);
      if (ms === null) return null;
      const t = ms + a.hours * HOUR_MS;
      return Math.abs(t) > MAX_MS ? null : formatInstant(t);
    }),
  ),
  month_start: def(
    'Any date iso_datetime accepts → the UTC first of its month, moved by args.months (integer, may be ' +
      'negative; default 0): a monthly bucket is [month_start, month_start + 1 month).',
    Type.Object({ months: Type.Optional(Type.Integer()), unit: Unit }, { additionalProperties: false }),
    memoDate((v, a: { months?: number; unit?: EpochUnit }) => {
      const ms = parseInstant(v, a.unit);
      if (ms === null) return null;
      const d = new Date(ms);
      const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + (a.months ?? 0), 1);
      return Math.abs(t) > MAX_MS ? null : formatInstant(t);
    }),
  ),
  positive: def(
    'Number (or decimal string) > 0 → true, otherwise false; null/non-numeric → null.',
    NoArgs,
    (v) => {
      const n = typeof v === 'number' ? (Number.isNaN(v) ? null : v) : toExactNumber(v);
      return n === null ? null : n > 0;
    },
  ),
  accept_rates: def(
    'Map name → {accepted, rejected} → same map, each entry {accepted, rejected, acceptance_rate, …other fields}; ' +
      'acceptance_rate = accepted / (accepted + rejected), null when both are 0 or either is absent. ' +
      'args.accepted / args.rejected name the source fields (default "accepted" / "rejected"); the output always uses ' +
      '"accepted" / "rejected", the unified shape of usage.code.tool_actions (mergeRows recomputes the rate after summing).',
    AcceptArgs,
    (v, a) => {
      if (!isPlainObject(v)) return null;
      const accF = a.accepted ?? 'accepted';
      const rejF = a.rejected ?? 'rejected';
      const out: Record<string, unknown> = {};
      for (const name in v) {
        if (!Object.hasOwn(v, name)) continue;
        const entry = v[name];
        if (!isPlainObject(entry)) {
          setOwn(out, name, entry);
          continue;
        }
        const acc = Object.hasOwn(entry, accF) ? toExactNumber(entry[accF]) : null;
        const rej = Object.hasOwn(entry, rejF) ? toExactNumber(entry[rejF]) : null;
        let extra = false;
        for (const k in entry) {
          if (k !== accF && k !== rejF) {
            extra = true;
            break;
          }
        }
        let e: Record<string, unknown>;
        if (!extra) {
          e = { accepted: acc, rejected: rej, acceptance_rate: acceptanceRate(acc, rej) };
        } else {
          e = { accepted: acc, rejected: rej };
          for (const k of Object.keys(entry)) {
            if (k !== accF && k !== rejF && k !== 'accepted' && k !== 'rejected' && k !== 'acceptance_rate') {
              setOwn(e, k, entry[k]);
            }
          }
          e.acceptance_rate = acceptanceRate(acc, rej);
        }
        setOwn(out, name, e);
      }
      return out;
    },
  ),
  count_keys: def('Number of keys of an object (length of an array); anything else null.', NoArgs, (v) =>
    Array.isArray(v) ? v.length : isPlainObject(v) ? Object.keys(v).length : null,
  ),
  pick: def(
    'An object of chosen sub-fields of an object (args.fields: output name → dotted sub-path), e.g. two ' +
      'side-by-side vendor fields as one map; null sub-fields are left out; null when none is present.',
    Type.Object(
      {
        fields: Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
          minProperties: 1,
        }),
      },
      { additionalProperties: false },
    ),
    (v, a) => {
      if (!isPlainObject(v)) return null;
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(a.fields)) {
        const got = getDotted(v, sub);
        if (got !== null && got !== undefined) out[name] = got;
      }
      return Object.keys(out).length > 0 ? out : null;
    },
  ),
  nonzero_any: def(
    'True when any listed number is non-zero. The value is a number, an array (e.g. from `list`) or an object ' +
      '(args.fields: dotted sub-paths to look at; default every number in it, deeply). Null when no number is found.',
    Type.Object(
      { fields: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) },
      { additionalProperties: false },
    ),
    (v, a) => {
      const nums: number[] = [];
      if (a.fields !== undefined && isPlainObject(v)) {
        for (const f of a.fields) collectNumbers(getDotted(v, f), nums);
      } else {
        collectNumbers(v, nums);
      }
      if (nums.length === 0) return null;
      return nums.some((n) => n !== 0);
    },
  ),
} as const satisfies Record<string, TransformDef>;

export type TransformName = keyof typeof TRANSFORMS;

/** accepted / (accepted + rejected); null when either is absent or both are 0. */
export function acceptanceRate(accepted: number | null, rejected: number | null): number | null {
  if (accepted === null || rejected === null) return null;
  const total = accepted + rejected;
  return total === 0 ? null : accepted / total;
}

export function isTransformName(name: string): name is TransformName {
  return Object.hasOwn(TRANSFORMS, name);
}

/** Apply a transform by name (tests, tooling). Throws on an unknown name; args are not validated here. */
export function applyTransform(name: string, value: unknown, args: Record<string, unknown> = {}): unknown {
  if (!isTransformName(name)) throw new Error(`unknown transform '${name}'`);
  const t = TRANSFORMS[name] as TransformDef;
  return t.fn(value, args);
}
