/**
 * Claude Code report cursors: `page_` + base64 of `{"d":day,"o":offset}`. The day travels in the
 * token so a cursor replayed against another `starting_at` is rejected, as the vendor's would be.
 */
import { isOffset, tokenCodec } from '../../../src/emulator-kit/tokens.js';

export interface PagePosition {
  day: string;
  offset: number;
}

const codec = tokenCodec<PagePosition>({
  prefix: 'page_',
  encoding: 'base64',
  toWire: ({ day, offset }) => ({ d: day, o: offset }),
  fromWire: ({ d, o }) => (typeof d === 'string' && isOffset(o) ? { day: d, offset: o } : null),
});

export function encodePageToken(day: string, offset: number): string {
  return codec.encode({ day, offset });
}

/** null for anything this emulator did not mint. */
export const decodePageToken = codec.decode;
