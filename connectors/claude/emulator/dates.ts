/** UTC day helpers (the kit's) and the emulator's data horizon. */
import { parseDay, rollingHorizon } from '../../../src/emulator-kit/dates.js';

export { DAY_MS, formatDay, parseDay, isWeekend } from '../../../src/emulator-kit/dates.js';

/** How many days of history the emulator serves, ending yesterday (UTC). */
export const HORIZON_DAYS = 90;

/** First and last day (inclusive) that have data: the HORIZON_DAYS days ending yesterday. */
export function dataHorizon(now: Date): { first: string; last: string } {
  return rollingHorizon(now, HORIZON_DAYS);
}

export function isDayInHorizon(day: string, now: Date): boolean {
  const { first, last } = dataHorizon(now);
  // Valid `YYYY-MM-DD` strings sort lexically in date order.
  return parseDay(day) !== null && day >= first && day <= last;
}
