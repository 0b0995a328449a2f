/**
 * Deterministic row ids.
 *
 * A row id is a hash of `[integration, account id, report type, ...natural key, row spec name]`
 * (the spec name last, so row specs of one mapping whose keys start alike — an actor-day row and
 * its per-model rows — share the hashing of that common start). Clients upsert on it, so **ids are
 * stable forever once shipped**: never change the canonical encoding, the part order, the seeds or
 * the hash below, and treat renaming a row spec or changing its `key` in a mapping file as a
 * breaking change (every id of that row spec changes).
 *
 * Canonical string: each part is encoded as `<tag><length>:<body>` and the encodings are
 * concatenated. Tags: `n` null/undefined (empty body), `s` string, `d` number (`String(n)`, so
 * `1` and `1.0` are the same, `-0` is `0`), `b` boolean (`1`/`0`), `j` anything else
 * (`JSON.stringify`). The length prefix makes the encoding unambiguous: no choice of part values
 * can make two different part lists produce the same string.
 *
 * Hash: two independent cyrb53 hashes (53 bits each, seeds below) of that string, each written as
 * 14 lower-case hex digits and joined: a 28-character id. Not cryptographic, just well spread and
 * fast (this runs for every row).
 */

const SEED_A = 0x6d657465; // "mete"
const SEED_B = 0x72776179; // "rway"

/** cyrb53 running state of both hashes after some prefix of the canonical string. */
export interface RowIdState {
  readonly a1: number;
  readonly a2: number;
  readonly b1: number;
  readonly b2: number;
}

const INITIAL: RowIdState = {
  a1: 0xdeadbeef ^ SEED_A,
  a2: 0x41c6ce57 ^ SEED_A,
  b1: 0xdeadbeef ^ SEED_B,
  b2: 0x41c6ce57 ^ SEED_B,
};

/** The canonical encoding of one part. */
export function encodePart(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 's' + v.length + ':' + v;
    case 'number': {
      const s = String(v === 0 ? 0 : v);
      return 'd' + s.length + ':' + s;
    }
    case 'boolean':
      return v ? 'b1:1' : 'b1:0';
    case 'undefined':
      return 'n0:';
    default: {
      if (v === null) return 'n0:';
      const s = JSON.stringify(v) ?? '';
      return 'j' + s.length + ':' + s;
    }
  }
}

/** The canonical string of a list of parts (what is hashed). */
export function canonicalKey(parts: readonly unknown[]): string {
  let s = '';
  for (let i = 0; i < parts.length; i++) s += encodePart(parts[i]);
  return s;
}

/** Absorb a materialised string (the slow, obviously-correct path; used for prefixes). */
function absorb(state: RowIdState, s: string): RowIdState {
  let a1 = state.a1;
  let a2 = state.a2;
  let b1 = state.b1;
  let b2 = state.b2;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    a1 = Math.imul(a1 ^ ch, 2654435761);
    a2 = Math.imul(a2 ^ ch, 1597334677);
    b1 = Math.imul(b1 ^ ch, 2654435761);
    b2 = Math.imul(b2 ^ ch, 1597334677);
  }
  return { a1, a2, b1, b2 };
}

/** char codes of the hex digits */
const HC: readonly number[] = Array.from({ length: 16 }, (_, i) => i.toString(16).charCodeAt(0));

/** cyrb53 finalisation of one hash: [hi 21 bits, lo 32 bits] of the 53-bit value. */
function fin(h1: number, h2: number, out: number[], at: number): void {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out[at] = 2097151 & h2;
  out[at + 1] = h1 >>> 0;
}

const FIN: number[] = [0, 0, 0, 0];

/**
 * Both 53-bit hashes, each as 14 zero-padded lower-case hex digits (6 for the high 21 bits, 8 for
 * the low 32), joined: the same digits as `n.toString(16).padStart(14, "0")`, built with one
 * `String.fromCharCode` call because `Number#toString(16)` and string concatenation are several
 * times slower on this hot path.
 */
function hexId(a1: number, a2: number, b1: number, b2: number): string {
  fin(a1, a2, FIN, 0);
  fin(b1, b2, FIN, 2);
  const a = FIN[0] as number;
  const b = FIN[1] as number;
  const c = FIN[2] as number;
  const d = FIN[3] as number;
  const h = HC as number[];
  return String.fromCharCode(
    h[(a >>> 20) & 15] as number,
    h[(a >>> 16) & 15] as number,
    h[(a >>> 12) & 15] as number,
    h[(a >>> 8) & 15] as number,
    h[(a >>> 4) & 15] as number,
    h[a & 15] as number,
    h[b >>> 28] as number,
    h[(b >>> 24) & 15] as number,
    h[(b >>> 20) & 15] as number,
    h[(b >>> 16) & 15] as number,
    h[(b >>> 12) & 15] as number,
    h[(b >>> 8) & 15] as number,
    h[(b >>> 4) & 15] as number,
    h[b & 15] as number,
    h[(c >>> 20) & 15] as number,
    h[(c >>> 16) & 15] as number,
    h[(c >>> 12) & 15] as number,
    h[(c >>> 8) & 15] as number,
    h[(c >>> 4) & 15] as number,
    h[c & 15] as number,
    h[d >>> 28] as number,
    h[(d >>> 24) & 15] as number,
    h[(d >>> 20) & 15] as number,
    h[(d >>> 16) & 15] as number,
    h[(d >>> 12) & 15] as number,
    h[(d >>> 8) & 15] as number,
    h[(d >>> 4) & 15] as number,
    h[d & 15] as number,
  );
}

/**
 * The hash state after the given leading parts. `rowIdFrom(rowIdPrefix(p), k)` equals
 * `rowId([...p, ...k])`; compiled mappings hash the constant prefix (integration, account,
 * report type) once per context instead of once per row.
 */
export function rowIdPrefix(parts: readonly unknown[]): RowIdState {
  return absorb(INITIAL, canonicalKey(parts));
}

/** Scratch output of `mixParts` (int32 lanes). */
const OUT = new Int32Array(4);

/** Absorb the canonical encoding of each part, without building the canonical string. */
function mixParts(prefix: RowIdState, parts: readonly unknown[]): void {
  let a1 = prefix.a1;
  let a2 = prefix.a2;
  let b1 = prefix.b1;
  let b2 = prefix.b2;
  for (let p = 0; p < parts.length; p++) {
    const v = parts[p];
    let tag: number;
    let body: string;
    if (typeof v === 'string') {
      tag = 115; // s
      body = v;
    } else if (v === null || v === undefined) {
      tag = 110; // n
      body = '';
    } else if (typeof v === 'number') {
      tag = 100; // d
      body = String(v === 0 ? 0 : v);
    } else if (typeof v === 'boolean') {
      tag = 98; // b
      body = v ? '1' : '0';
    } else {
      tag = 106; // j
      body = JSON.stringify(v) ?? '';
    }
    // header: tag, decimal length, ':'
    a1 = Math.imul(a1 ^ tag, 2654435761);
    a2 = Math.imul(a2 ^ tag, 1597334677);
    b1 = Math.imul(b1 ^ tag, 2654435761);
    b2 = Math.imul(b2 ^ tag, 1597334677);
    const len = body.length;
    const digits = len < 10 ? null : String(len);
    if (digits === null) {
      const ch = 48 + len;
      a1 = Math.imul(a1 ^ ch, 2654435761);
      a2 = Math.imul(a2 ^ ch, 1597334677);
      b1 = Math.imul(b1 ^ ch, 2654435761);
      b2 = Math.imul(b2 ^ ch, 1597334677);
    } else {
      for (let i = 0; i < digits.length; i++) {
        const ch = digits.charCodeAt(i);
        a1 = Math.imul(a1 ^ ch, 2654435761);
        a2 = Math.imul(a2 ^ ch, 1597334677);
        b1 = Math.imul(b1 ^ ch, 2654435761);
        b2 = Math.imul(b2 ^ ch, 1597334677);
      }
    }
    a1 = Math.imul(a1 ^ 58, 2654435761); // ':'
    a2 = Math.imul(a2 ^ 58, 1597334677);
    b1 = Math.imul(b1 ^ 58, 2654435761);
    b2 = Math.imul(b2 ^ 58, 1597334677);
    for (let i = 0; i < len; i++) {
      const ch = body.charCodeAt(i);
      a1 = Math.imul(a1 ^ ch, 2654435761);
      a2 = Math.imul(a2 ^ ch, 1597334677);
      b1 = Math.imul(b1 ^ ch, 2654435761);
      b2 = Math.imul(b2 ^ ch, 1597334677);
    }
  }
  OUT[0] = a1;
  OUT[1] = a2;
  OUT[2] = b1;
  OUT[3] = b2;
}

/**
 * The id of `[...prefix parts, ...parts]`: the hot path (same result as `rowIdOfCanonical` of the
 * materialised canonical string).
 */
export function rowIdFrom(prefix: RowIdState, parts: readonly unknown[]): string {
  mixParts(prefix, parts);
  return hexId(OUT[0] as number, OUT[1] as number, OUT[2] as number, OUT[3] as number);
}

/** The state after `[...prefix parts, ...parts]`, for ids sharing those leading parts. */
export function rowIdExtend(prefix: RowIdState, parts: readonly unknown[]): RowIdState {
  mixParts(prefix, parts);
  return { a1: OUT[0] as number, a2: OUT[1] as number, b1: OUT[2] as number, b2: OUT[3] as number };
}

/** The row id of a list of parts: `rowId([integration, accountId, reportType, ...key, rowSpecName])`. */
export function rowId(parts: readonly unknown[]): string {
  return rowIdFrom(INITIAL, parts);
}

/** Reference implementation, hashing the materialised canonical string (tests check it agrees). */
export function rowIdOfCanonical(canonical: string): string {
  const s = absorb(INITIAL, canonical);
  return hexId(s.a1, s.a2, s.b1, s.b2);
}
