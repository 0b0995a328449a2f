import { AppError } from '../errors.js';

const DAY_MS = 86_400_000;

/** Parses `YYYY-MM-DD` (UTC midnight) or RFC 3339 into a Date, refusing impossible dates like 02-30. */
export function parseDateParam(name: string, value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(
    value,
  );
  const fail = () =>
    new AppError(
      'invalid_parameter',
      `Invalid parameter "${name}": "${value}" is not a real YYYY-MM-DD date or RFC 3339 date-time.`,
      {
        details: { parameter: name },
      },
    );
  if (!m) throw fail();
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw fail();
  }
  if (!m[4]) return date;
  const full = new Date(value);
  if (Number.isNaN(full.getTime())) throw fail();
  return full;
}

export function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** `YYYY-MM-DD` of a UTC instant. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export { DAY_MS };
