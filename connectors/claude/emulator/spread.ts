/** Deterministic spreading of daily totals over minutes, keeping every sum exact. */
import { MINUTE_MS } from './time.js';
import type { Rng } from './prng.js';

/** Splits `total` into `parts` non-negative integers that sum exactly to `total`. */
export function splitExact(rng: Rng, total: number, parts: number): number[] {
  if (parts <= 1) return [total];
  const weights = Array.from({ length: parts }, () => rng.float(0.4, 1.6));
  const sum = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.floor((total * w) / sum));
  // Flooring loses at most parts-1 units; the first part absorbs them so the total is exact.
  out[0] = (out[0] ?? 0) + total - out.reduce((a, b) => a + b, 0);
  return out;
}

/** `count` minute starts (epoch ms) on the day starting at `dayMs`, within hours [fromHour, toHour]. */
export function pickMinutes(
  rng: Rng,
  dayMs: number,
  count: number,
  fromHour: number,
  toHour: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(dayMs + (rng.int(fromHour, toHour) * 60 + rng.int(0, 59)) * MINUTE_MS);
  }
  return out.sort((a, b) => a - b);
}
