/**
 * A mapping file (or override) that cannot be compiled. The message always names the file and the
 * JSON pointer (RFC 6901) of the offending node, e.g.
 * `mappings/acme/activity.yaml#/rows/0/fields/usage.tokens.inptu: not a Usage field`.
 */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    readonly file: string,
    /** JSON pointer into the mapping document; `''` is the whole document */
    readonly pointer: string,
    readonly detail: string,
  ) {
    super(`${file}#${pointer}: ${detail}`);
  }
}

/** One JSON pointer segment, escaped (`~` → `~0`, `/` → `~1`). */
export function pointerSegment(s: string | number): string {
  return String(s).replace(/~/g, '~0').replace(/\//g, '~1');
}
