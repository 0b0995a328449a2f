/**
 * Exact decimal arithmetic for money and counters.
 *
 * Vendors send money as numbers of cents (`97`) or as decimal strings (`"41280.000000"`). Dividing
 * by 100 in floating point, or adding a page of amounts with `+`, drifts (`0.1 + 0.2 !==
 * 0.3`). Everything here works on the decimal digits instead:
 *
 * - a number is read as the decimal it prints as (`String(0.1)` is `"0.1"`), a decimal string as
 *   written (`"41280.000000"`, `"-0.5"`, `"1e-3"`);
 * - shifting by a power of ten moves the decimal point in the digit string;
 * - sums are done on scaled BigInts (`coef × 10^-scale`);
 * - the result goes back to a JS number through `Number(decimalString)`, which is correctly
 *   rounded, so `0.1 + 0.2` comes out as exactly the double `0.3` and a page of amounts sums to
 *   the vendor's own sum.
 */

/** `coef × 10^-scale`, `scale >= 0`. */
export interface Decimal {
  readonly coef: bigint;
  readonly scale: number;
}

/** Exponents beyond this are refused (they would only make huge BigInts or Infinity). */
const MAX_EXPONENT = 400;

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

interface DecimalParts {
  readonly negative: boolean;
  /** all significant digits, integer part then fraction part, no sign, no point */
  readonly digits: string;
  /** value = digits × 10^exp */
  readonly exp: number;
}

function partsOfString(s: string): DecimalParts | null {
  const m = DECIMAL_RE.exec(s.trim());
  if (m === null) return null;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int.length === 0 && frac.length === 0) return null;
  const e = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isFinite(e) || Math.abs(e) > MAX_EXPONENT) return null;
  return { negative: m[1] === '-', digits: int + frac, exp: e - frac.length };
}

function partsOf(v: unknown): DecimalParts | null {
  if (typeof v === 'number') return Number.isFinite(v) ? partsOfString(String(v)) : null;
  if (typeof v === 'string') return partsOfString(v);
  if (typeof v === 'bigint') return partsOfString(v.toString());
  return null;
}

/** Digits × 10^exp as a plain decimal string (`"412.80000000"`, `"-0.001"`). */
function partsToString(p: DecimalParts): string {
  let digits = p.digits.replace(/^0+/, '');
  if (digits.length === 0) return '0';
  let body: string;
  if (p.exp >= 0) {
    body = digits + '0'.repeat(p.exp);
  } else {
    const point = digits.length + p.exp;
    if (point > 0) {
      body = digits.slice(0, point) + '.' + digits.slice(point);
    } else {
      digits = '0'.repeat(-point) + digits;
      body = '0.' + digits;
    }
  }
  return p.negative ? '-' + body : body;
}

/** Parse a number or a decimal string exactly; anything else (or an unparseable string) is null. */
export function parseDecimal(v: unknown): Decimal | null {
  const p = partsOf(v);
  if (p === null) return null;
  let coef = BigInt(p.digits);
  if (p.negative) coef = -coef;
  if (p.exp >= 0) return { coef: coef * 10n ** BigInt(p.exp), scale: 0 };
  return { coef, scale: -p.exp };
}

/** Exact `a + b`. */
export function addDecimal(a: Decimal, b: Decimal): Decimal {
  if (a.scale === b.scale) return { coef: a.coef + b.coef, scale: a.scale };
  if (a.scale > b.scale) return { coef: a.coef + b.coef * 10n ** BigInt(a.scale - b.scale), scale: a.scale };
  return { coef: a.coef * 10n ** BigInt(b.scale - a.scale) + b.coef, scale: b.scale };
}

/** Exact `d × 10^places` (`places` may be negative: `shiftDecimal(cents, -2)` gives major units). */
export function shiftDecimal(d: Decimal, places: number): Decimal {
  if (!Number.isInteger(places)) throw new RangeError('shiftDecimal: places must be an integer');
  const scale = d.scale - places;
  if (scale >= 0) return { coef: d.coef, scale };
  return { coef: d.coef * 10n ** BigInt(-scale), scale: 0 };
}

/** The decimal as a plain string, trailing zeros kept (`{coef: 4128000, scale: 4}` → `"412.8000"`). */
export function decimalToString(d: Decimal): string {
  const negative = d.coef < 0n;
  const digits = (negative ? -d.coef : d.coef).toString();
  return partsToString({ negative, digits, exp: -d.scale });
}

/** The nearest JS number to the decimal (correctly rounded). */
export function decimalToNumber(d: Decimal): number {
  if (d.scale === 0) return Number(d.coef);
  return Number(decimalToString(d));
}

/**
 * `v × 10^places` as a JS number, exactly: the decimal point is moved in the digit string and the
 * result parsed once (`shiftToNumber("41280.000000", -2)` is `412.8`, `shiftToNumber(97, -2)` is
 * `0.97`, `shiftToNumber("0.1", -2)` is `0.001`). Null for null or anything that is not a number or
 * a decimal string.
 */
export function shiftToNumber(v: unknown, places: number): number | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    // An integer divided (or multiplied) by an exact power of ten is correctly rounded by IEEE 754,
    // i.e. the very same double as parsing the shifted decimal string.
    if (Number.isSafeInteger(v) && places <= 0 && places >= -22) return v / 10 ** -places;
    if (Number.isSafeInteger(v) && places > 0 && places <= 22) return v * 10 ** places;
  }
  const p = partsOf(v);
  if (p === null) return null;
  return Number(partsToString({ negative: p.negative, digits: p.digits, exp: p.exp + places }));
}

/** A number, or a decimal string parsed exactly; null for anything else (never 0 for "absent"). */
export function toExactNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const p = partsOfString(v);
    return p === null ? null : Number(partsToString(p));
  }
  return null;
}

/**
 * Exact sum of numbers and decimal strings. Nulls, undefined and unparseable values are skipped;
 * the sum of nothing is null (absent, never 0).
 */
export function exactSum(values: readonly unknown[]): number | null {
  // Fast path: safe integers (token counts, cents) add exactly in floating point.
  let intSum = 0;
  let allInts = true;
  let seen = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      intSum += v;
      seen = true;
      if (!Number.isSafeInteger(intSum)) {
        allInts = false;
        break;
      }
      continue;
    }
    allInts = false;
    break;
  }
  if (allInts) return seen ? intSum : null;
  const scaled = scaledSum(values);
  if (scaled !== undefined) return scaled;

  let acc: Decimal | null = null;
  for (let i = 0; i < values.length; i++) {
    const d = parseDecimal(values[i]);
    if (d === null) continue;
    acc = acc === null ? d : addDecimal(acc, d);
  }
  return acc === null ? null : decimalToNumber(acc);
}

const TWO_51 = 2 ** 51;

/**
 * Second fast path of `exactSum`, without BigInt: when every value is a number written with at
 * most 15 decimals (`String(v)`, no exponent) and every value scaled by 10^decimals stays below
 * 2^51, the scaled values are exactly the integers the decimals denote (`Math.round` removes
 * the < 0.5 representation error), their sum is exact, and one division by the power of ten is
 * correctly rounded: the same double as the BigInt path. `undefined` = not applicable.
 */
function scaledSum(values: readonly unknown[]): number | null | undefined {
  let decimals = 0;
  let seen = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    seen = true;
    if (Number.isInteger(v)) continue;
    const s = String(v);
    if (s.includes('e')) return undefined;
    const d = s.length - s.indexOf('.') - 1;
    if (d > decimals) decimals = d;
  }
  if (!seen) return null;
  if (decimals > 15) return undefined;
  const p = 10 ** decimals;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') continue;
    const n = Math.round(v * p);
    if (!(Math.abs(n) < TWO_51)) return undefined;
    sum += n;
  }
  if (!(Math.abs(sum) < TWO_51)) return undefined;
  return sum / p;
}

/** Exact `a + b` of two numbers (null when both are null). */
export function exactAdd(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
    const s = a + b;
    if (Number.isSafeInteger(s)) return s;
  }
  return exactSum([a, b]);
}
