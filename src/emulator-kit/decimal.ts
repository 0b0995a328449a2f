/**
 * Money as exact decimals. Amounts are held as BigInt micro-cents (1e-6 of a cent), finer than any
 * usage report prints, so the rows of a fake report sum to its totals to the last digit, which is
 * exactly what a gateway under test must preserve; floats never touch money.
 */

export const MICRO_PER_CENT = 1_000_000n;

/** Cents with `minDecimals`..6 decimals (trailing zeros beyond `minDecimals` trimmed). */
export function formatMicroCents(micro: bigint, minDecimals = 6): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const whole = abs / MICRO_PER_CENT;
  let frac = (abs % MICRO_PER_CENT).toString().padStart(6, '0');
  while (frac.length > minDecimals && frac.endsWith('0')) frac = frac.slice(0, -1);
  return `${negative ? '-' : ''}${whole}${frac.length > 0 ? `.${frac}` : ''}`;
}

const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;

/** Parses a decimal string of cents with at most 6 decimals into micro-cents; throws on anything else. */
export function parseMicroCents(text: string): bigint {
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new RangeError(`not a decimal with at most 6 decimals: ${text}`);
  const value = BigInt(m[2] ?? '0') * MICRO_PER_CENT + BigInt((m[3] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -value : value;
}

/** Exact sum of decimal cent strings, printed with 6 decimals. */
export function sumDecimalCents(amounts: readonly string[]): string {
  let total = 0n;
  for (const a of amounts) total += parseMicroCents(a);
  return formatMicroCents(total);
}

/** A price in cents per million units, as a fraction so 1.25x and 0.1x multipliers stay exact. */
export interface Rate {
  num: bigint;
  den: bigint;
}

export function rate(num: number, den = 1): Rate {
  return { num: BigInt(num), den: BigInt(den) };
}

export function scaleRate(r: Rate, num: number, den = 1): Rate {
  return { num: r.num * BigInt(num), den: r.den * BigInt(den) };
}

/**
 * Micro-cents for `units` at `perMillion` cents per million units. Because 1 cent per million units is
 * exactly 1 micro-cent per unit, this is `units × rate`; any remainder rounds half up.
 */
export function costMicroCents(units: number, perMillion: Rate): bigint {
  const scaled = BigInt(units) * perMillion.num;
  return (scaled * 2n + perMillion.den) / (2n * perMillion.den);
}
