/**
 * The scale knob: how many records a fake vendor holds per day. A small default keeps tests
 * readable; a benchmark turns it up to thousands without any other change, and because the count
 * is derived from (seed, day) alone, every day's size is stable across restarts and page orders.
 */
import { isWeekend, parseDay } from './dates.js';
import { hashString } from './prng.js';

export interface Scale {
  /** Records on an ordinary weekday. */
  recordsPerDay: number;
  /** ± fraction drawn per day (0.2 = 80%..120%); 0 gives exactly `recordsPerDay` every day. */
  jitter?: number;
  /** Multiplier for Saturdays and Sundays (teams work less then); default 1. */
  weekendFactor?: number;
}

/** Records on `day` under `scale`, deterministic in (seed, day); 0 for a string that is no day. */
export function recordsOnDay(scale: Scale, seed: string, day: string): number {
  const ms = parseDay(day);
  if (ms === null) return 0;
  const jitter = scale.jitter ?? 0;
  // One hash draw per day in [-1, 1): enough spread for fake data, no generator state to carry.
  const roll = (hashString(`${seed}|${day}`) / 0x1_0000_0000) * 2 - 1;
  const factor = (1 + jitter * roll) * (isWeekend(ms) ? (scale.weekendFactor ?? 1) : 1);
  return Math.max(0, Math.round(scale.recordsPerDay * factor));
}
