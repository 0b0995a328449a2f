/** Leaf-wise arithmetic on nested metric blocks (`{chat_metrics: {message_count: 3, …}, …}`). */

export type MetricTree = { [key: string]: number | null | MetricTree };

/** Adds `b` into a copy of `a`, leaf by leaf (null + n = n). Both must have the same shape. */
export function addTrees<T extends MetricTree>(a: T, b: T): T {
  const out: MetricTree = {};
  for (const [key, av] of Object.entries(a)) {
    const bv = b[key];
    if (typeof av === 'object' && av !== null) {
      out[key] = addTrees(av, typeof bv === 'object' && bv !== null ? bv : av);
    } else {
      out[key] = (av ?? 0) + (typeof bv === 'number' ? bv : 0);
    }
  }
  return out as T;
}

/** A copy of `tree` with every leaf replaced by `fn(dottedPath, value)`. */
export function mapLeaves<T extends MetricTree>(
  tree: T,
  fn: (path: string, value: number | null) => number | null,
  prefix = '',
): T {
  const out: MetricTree = {};
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    out[key] = typeof value === 'object' && value !== null ? mapLeaves(value, fn, path) : fn(path, value);
  }
  return out as T;
}

/** The number at `path` (dotted) in a row, or undefined when the path names no number. */
export function numberAt(row: unknown, path: string): number | undefined {
  let node: unknown = row;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'number' ? node : undefined;
}
