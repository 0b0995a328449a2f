/**
 * The daily cost lines (`Cost` objects of `GET /billing/v1/costs`, confluent.md section 3), from
 * the organisation in org.ts. The same day always has the same lines, whatever the clock or the
 * query; money is exact: quantities and prices are decimals held as BigInt, an amount is
 * `price × quantity` rounded to a millionth of a dollar, a discount is a whole percentage of it
 * rounded the same way, and `amount = original_amount - discount_amount` holds to the last digit.
 */
import { Rng } from '../../../src/emulator-kit/prng.js';
import { DAY_MS, addDays, formatDay, isWeekend, parseDay } from '../../../src/emulator-kit/dates.js';
import { LINE_SPECS, PROMO_CREDIT, environmentOf, type LineSpec } from './org.js';

/** Amounts are kept in micro-dollars (1e-6 USD). */
export const MICRO_PER_DOLLAR = 1_000_000n;

/** Months of data the emulator holds, the current one included (a year back and a little more). */
export const DATA_MONTHS = 13;

export interface CostResource {
  id: string;
  display_name: string;
  environment: { id: string } | null;
}

/** A `Cost` as the vendor sends it. Absent optional fields are omitted, as the vendor may do. */
export interface CostLine {
  api_version: 'billing/v1';
  kind: 'Cost';
  id: string;
  start_date: string;
  end_date: string;
  granularity: 'DAILY';
  product?: string;
  line_type: string;
  network_access_type?: string;
  price?: number;
  unit: string | null;
  quantity?: number;
  original_amount: number;
  discount_amount?: number;
  amount: number;
  description?: string;
  tier_dimensions?: Record<string, string>;
  resource?: CostResource | null;
}

/** A line with its money as exact micro-dollars, for tests and totals. */
export interface ExactLine {
  line: CostLine;
  original: bigint;
  discount: bigint;
  amount: bigint;
}

/** A decimal string (`"0.0500"`, `"-25"`) as an integer count of 10^-scale. */
export function toScaled(text: string, scale: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new RangeError(`not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale) throw new RangeError(`${text} has more than ${scale} decimals`);
  const v = BigInt(`${m[2]}${frac}`);
  return m[1] === '-' ? -v : v;
}

/** An integer count of 10^-scale as the shortest decimal string (`12500n, 4` → `"1.25"`). */
export function fromScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Micro-dollars as a JSON number whose shortest form is exactly that decimal. */
export function dollars(micro: bigint): number {
  return Number(fromScaled(micro, 6));
}

/** Rounds `value / divisor` half away from zero. */
function divRound(value: bigint, divisor: bigint): bigint {
  const q = value / divisor;
  const r = value % divisor;
  if (r * 2n >= divisor) return q + 1n;
  if (r * 2n <= -divisor) return q - 1n;
  return q;
}

/** First day with data: the first of the month `DATA_MONTHS - 1` months before `now`'s month. */
export function dataStart(now: Date): string {
  return formatDay(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (DATA_MONTHS - 1), 1));
}

/** Days with data: [dataStart, today): today is still being counted. */
export function hasData(day: string, now: Date): boolean {
  return day >= dataStart(now) && day < formatDay(now.getTime());
}

/** The stable line id Confluent-style (`dlz-` + 7 base62 characters of the line's identity). */
function lineId(day: string, key: string): string {
  return `dlz-${new Rng(`id|${day}|${key}`).base62(7).toLowerCase()}`;
}

function quantityOf(spec: LineSpec, day: string, ms: number): bigint {
  const { min, max, decimals } = spec.quantity;
  const rng = new Rng(`qty|${day}|${spec.resource?.id ?? 'org'}|${spec.line_type}`);
  const unit = 10 ** decimals;
  let q = rng.int(Math.round(min * unit), Math.round(max * unit));
  if (isWeekend(ms) && spec.weekend_factor < 1) q = Math.round(q * spec.weekend_factor);
  return BigInt(q) * 10n ** BigInt(4 - decimals);
}

function usageLine(spec: LineSpec, day: string, ms: number): ExactLine {
  const quantity = quantityOf(spec, day, ms); // 1e-4 units
  const price = toScaled(spec.price, 4); // 1e-4 dollars
  const original = divRound(price * quantity, 100n); // 1e-8 → 1e-6 dollars
  const env = spec.resource ? environmentOf(spec.resource.environment) : undefined;
  const discount = divRound(original * BigInt(env?.discount_percent ?? 0), 100n);
  const amount = original - discount;
  const line: CostLine = {
    api_version: 'billing/v1',
    kind: 'Cost',
    id: lineId(day, `${spec.resource?.id ?? 'org'}|${spec.line_type}`),
    start_date: day,
    end_date: addDays(day, 1),
    granularity: 'DAILY',
    product: spec.product,
    line_type: spec.line_type,
    ...(spec.network_access_type ? { network_access_type: spec.network_access_type } : {}),
    price: Number(spec.price),
    unit: spec.unit,
    quantity: Number(fromScaled(quantity, 4)),
    original_amount: dollars(original),
    discount_amount: dollars(discount),
    amount: dollars(amount),
    ...(spec.tier_dimensions ? { tier_dimensions: { ...spec.tier_dimensions } } : {}),
    resource: spec.resource
      ? {
          id: spec.resource.id,
          display_name: spec.resource.display_name,
          environment: { id: spec.resource.environment },
        }
      : null,
  };
  return { line, original, discount, amount };
}

/**
 * A promotional credit as third-party data shows it: negative amounts, no price, quantity, unit
 * or product, no resource, and the promotion code in `description`.
 */
function creditLine(day: string): ExactLine {
  const credit = -toScaled(PROMO_CREDIT.daily, 6);
  const line: CostLine = {
    api_version: 'billing/v1',
    kind: 'Cost',
    id: lineId(day, `promo|${PROMO_CREDIT.description}`),
    start_date: day,
    end_date: addDays(day, 1),
    granularity: 'DAILY',
    line_type: 'PROMO_CREDIT',
    unit: null,
    original_amount: dollars(credit),
    amount: dollars(credit),
    description: PROMO_CREDIT.description,
  };
  return { line, original: credit, discount: 0n, amount: credit };
}

const dayCache = new Map<string, readonly ExactLine[]>();

/** Every line of one UTC day, in a stable order (clock-independent: callers check `hasData`). */
export function linesOfDay(day: string): readonly ExactLine[] {
  const cached = dayCache.get(day);
  if (cached) return cached;
  const ms = parseDay(day);
  if (ms === null) throw new RangeError(`not a day: ${day}`);
  const out = LINE_SPECS.filter((s) => s.since === undefined || day >= s.since).map((s) =>
    usageLine(s, day, ms),
  );
  if (day >= PROMO_CREDIT.first && day < PROMO_CREDIT.until) out.push(creditLine(day));
  if (dayCache.size > 1000) dayCache.clear();
  dayCache.set(day, out);
  return out;
}

/** Every line of the days in [start, end) that have data at `now`, day by day. */
export function linesBetween(start: string, end: string, now: Date): ExactLine[] {
  const from = parseDay(start);
  const to = parseDay(end);
  if (from === null || to === null) throw new RangeError(`not a range: ${start}..${end}`);
  const out: ExactLine[] = [];
  for (let ms = from; ms < to; ms += DAY_MS) {
    const day = formatDay(ms);
    if (hasData(day, now)) out.push(...linesOfDay(day));
  }
  return out;
}

/** Exact sums of a list of lines, in micro-dollars. */
export function totals(lines: readonly ExactLine[]): { original: bigint; discount: bigint; amount: bigint } {
  let original = 0n;
  let discount = 0n;
  let amount = 0n;
  for (const l of lines) {
    original += l.original;
    discount += l.discount;
    amount += l.amount;
  }
  return { original, discount, amount };
}
