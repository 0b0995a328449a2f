/**
 * Reading Cursor's JSON request bodies the way Cursor does: numbers must be numbers (epoch
 * milliseconds, page numbers), strings strings, enums one of their values; anything else is a 400
 * in Cursor's `{ error, message }` shape, naming the field.
 */
import { DAY_MS, badRequest } from '../../../src/emulator-kit/index.js';

export class BodyReader {
  private readonly body: Record<string, unknown>;

  constructor(raw: unknown) {
    if (raw === undefined || raw === null) this.body = {};
    else if (typeof raw !== 'object' || Array.isArray(raw))
      throw badRequest('Request body must be a JSON object');
    else this.body = raw as Record<string, unknown>;
  }

  has(name: string): boolean {
    return this.body[name] !== undefined && this.body[name] !== null;
  }

  /** An epoch-millisecond number, or undefined when absent. */
  epochMs(name: string): number | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw badRequest(`${name} must be a number (epoch milliseconds)`);
    }
    return v;
  }

  requiredEpochMs(name: string): number {
    const v = this.epochMs(name);
    if (v === undefined) throw badRequest(`${name} is required (epoch milliseconds)`);
    return v;
  }

  /** An integer in [min, max], or the fallback when absent. */
  int(name: string, opts: { min: number; max: number; fallback: number }): number {
    const v = this.body[name];
    if (v === undefined || v === null) return opts.fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${name} must be a number`);
    if (v < opts.min || v > opts.max) {
      throw badRequest(`${name} must be between ${opts.min} and ${opts.max}`);
    }
    return v;
  }

  optionalInt(name: string): number | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${name} must be a number`);
    return v;
  }

  string(name: string): string | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw badRequest(`${name} must be a string`);
    return v;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!(values as readonly string[]).includes(v)) {
      throw badRequest(`${name} must be one of: ${values.join(', ')}`);
    }
    return v as T;
  }
}

/** A start/end pair in order and, where the endpoint caps it, no longer than `maxDays`. */
export function checkRange(start: number, end: number, maxDays?: number): void {
  if (end < start) throw badRequest('endDate must be after startDate');
  if (maxDays !== undefined && end - start > maxDays * DAY_MS) {
    throw badRequest(
      `Date range cannot exceed ${maxDays} days. Please split your request into smaller ranges.`,
    );
  }
}
