import qs from 'qs';

/**
 * Parses a query string the way clients of the public API send it: repeated keys, `a[]=x`,
 * indexed `a[0]=x` (the qs default) and `obj[key]=v` all work. Comma lists are split later, per
 * route, only for parameters declared as arrays, since commas are legal inside other values.
 */
export function parseQueryString(text: string): Record<string, unknown> {
  return qs.parse(text, {
    arrayLimit: 1000,
    parameterLimit: 2000,
    depth: 2,
    allowDots: false,
    duplicates: 'combine',
  });
}

/** Turns `a=x,y` and `a=x&a=y,z` into flat arrays of trimmed non-empty strings. */
export function splitListParams(query: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const v = query[name];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.values(v) : [v];
    query[name] = list.flatMap((item) =>
      typeof item === 'string'
        ? item
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
        : [item],
    );
  }
}
