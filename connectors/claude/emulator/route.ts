/** What a report handler gets from the server, and parameter helpers shared by the reports. */
import type { EmulatorControls } from './controls.js';
import { badRequest } from './errors.js';
import type { QueryReader } from './query.js';
import { parseInstant } from './time.js';

export interface RouteContext {
  query: QueryReader;
  /** The emulator clock (fixed in tests). */
  now: Date;
  controls: EmulatorControls;
  header(name: string): string | undefined;
  /** Pre-serialized bodies shared by all routes: render once per distinct key. */
  cached(key: string, render: () => string): string;
}

/** A handler answers a JSON body or throws ApiError. */
export type RouteHandler = (ctx: RouteContext) => string;

export function requiredInstant(q: QueryReader, name: string): number {
  const text = q.one(name);
  if (text === undefined) throw badRequest(`${name}: Field required`);
  return instant(name, text);
}

export function optionalInstant(q: QueryReader, name: string): number | null {
  const text = q.one(name);
  return text === undefined ? null : instant(name, text);
}

function instant(name: string, text: string): number {
  const ms = parseInstant(text);
  if (ms === null) {
    throw badRequest(
      `${name}: Input should be a valid RFC 3339 datetime with a timezone, e.g. 2026-03-01T00:00:00Z`,
    );
  }
  return ms;
}

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
