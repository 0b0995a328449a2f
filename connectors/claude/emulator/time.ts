/** Bucket widths of the bucketed reports (Messages usage, cost, analytics); instants are the kit's. */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../src/emulator-kit/dates.js';

export {
  HOUR_MS,
  MINUTE_MS,
  parseInstant,
  formatInstant,
  floorTo,
  ceilTo,
  daysOverlapping,
} from '../../../src/emulator-kit/dates.js';

export type BucketWidth = '1d' | '1h' | '1m';
export const BUCKET_WIDTHS: readonly BucketWidth[] = ['1d', '1h', '1m'];
export const BUCKET_MS: Readonly<Record<BucketWidth, number>> = {
  '1d': DAY_MS,
  '1h': HOUR_MS,
  '1m': MINUTE_MS,
};
