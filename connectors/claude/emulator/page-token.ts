/**
 * Opaque page cursors: `page_` + base64 of `{"d":day,"o":offset}`. The day travels in the token so a
 * cursor replayed against another `starting_at` is rejected, as the vendor's would be.
 */

export interface PagePosition {
  day: string;
  offset: number;
}

export function encodePageToken(day: string, offset: number): string {
  return `page_${Buffer.from(JSON.stringify({ d: day, o: offset })).toString('base64')}`;
}

/** null for anything this emulator did not mint (Buffer's base64 decoder is lenient, so re-encode). */
export function decodePageToken(token: string): PagePosition | null {
  if (!token.startsWith('page_')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token.slice(5), 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { d, o } = parsed as { d?: unknown; o?: unknown };
  if (typeof d !== 'string' || typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) return null;
  return encodePageToken(d, o) === token ? { day: d, offset: o } : null;
}
