/**
 * Opaque paging tokens: `prefix` + base64 of a small JSON object holding whatever state the next
 * page needs (an offset, the day or query it belongs to, a boundary fixed on page 1). Clients must
 * treat them as opaque, so an emulator is free to carry state in them and stay stateless itself;
 * a token this emulator did not mint (a foreign or edited one) decodes to null, as a vendor would
 * reject it.
 */

export interface TokenCodec<T> {
  encode(state: T): string;
  /** The state, or null for anything this codec did not mint. */
  decode(token: string): T | null;
}

export interface TokenFormat<T> {
  /** Fixed start of every token, e.g. `page_`; tokens without it are foreign. */
  prefix: string;
  /** Standard base64 or its URL-safe alphabet; default base64url. */
  encoding?: 'base64' | 'base64url';
  /** The JSON object carried; its key order is the wire order, so build it literally. */
  toWire(state: T): Record<string, unknown>;
  /** Validates a decoded object field by field; null rejects the token. */
  fromWire(wire: Record<string, unknown>): T | null;
}

export function tokenCodec<T>(format: TokenFormat<T>): TokenCodec<T> {
  const encoding = format.encoding ?? 'base64url';
  const encode = (state: T): string =>
    `${format.prefix}${Buffer.from(JSON.stringify(format.toWire(state))).toString(encoding)}`;
  return {
    encode,
    decode(token) {
      if (!token.startsWith(format.prefix)) return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(token.slice(format.prefix.length), encoding).toString('utf8'));
      } catch {
        return null;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
      const state = format.fromWire(parsed as Record<string, unknown>);
      // Buffer's base64 decoders are lenient (stray chars, missing padding): re-encoding is what
      // tells a token this codec minted from a look-alike.
      return state !== null && encode(state) === token ? state : null;
    },
  };
}

/** A non-negative safe integer, the usual offset in a token. */
export function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
