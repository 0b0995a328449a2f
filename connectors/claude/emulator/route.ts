/** What a report handler gets from the kit's pipeline, and helpers shared by the reports. */
import type { RouteContext as KitRouteContext } from '../../../src/emulator-kit/pipeline.js';
import type { EmulatorControls } from './controls.js';

export type RouteContext = KitRouteContext<EmulatorControls>;

/** A handler answers a pre-serialized JSON body or throws an EmulatorError. */
export type RouteHandler = (ctx: RouteContext) => string;

/** Whether the comma-separated `anthropic-beta` header names `feature`. */
export function hasBeta(ctx: RouteContext, feature: string): boolean {
  return (ctx.header('anthropic-beta') ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(feature);
}
/** Array-keyed grouping that keeps first-seen order; keys are JSON of the dimension values. */
export function groupInto<T, A>(
  items: Iterable<T>,
  keyOf: (item: T) => string,
  init: (item: T) => A,
  add: (acc: A, item: T) => void,
): Map<string, A> {
  const groups = new Map<string, A>();
  for (const item of items) {
    const key = keyOf(item);
    let acc = groups.get(key);
    if (acc === undefined) {
      acc = init(item);
      groups.set(key, acc);
    }
    add(acc, item);
  }
  return groups;
}

/** Ascending comparison of dimension tuples, nulls first: the order grouped results are listed in. */
export function compareDims(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
