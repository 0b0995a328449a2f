import type { TimeFormat } from '../schemas/connector.js';

/** Retry-After's own rules: `retry-after-ms` first (some vendors send it), then `retry-after`. */
export const DEFAULT_RETRY_AFTER_HEADERS: readonly { name: string; format: TimeFormat }[] = [
  { name: 'retry-after-ms', format: 'ms' },
  { name: 'retry-after', format: 'seconds_or_http_date' },
];

const NUMBER = /^\d+(\.\d+)?$/;

/**
 * Seconds from now until the time a header names, in the format the vendor writes it: relative
 * seconds or milliseconds, an epoch instant, or an HTTP date. Undefined when it is not one; a
 * time already past is 0.
 */
export function secondsUntil(value: string, format: TimeFormat, now = Date.now()): number | undefined {
  const v = value.trim();
  switch (format) {
    case 'seconds':
      return NUMBER.test(v) ? Number(v) : undefined;
    case 'ms':
      return NUMBER.test(v) ? Number(v) / 1000 : undefined;
    case 'epoch_s':
      return NUMBER.test(v) ? Math.max(0, Number(v) - now / 1000) : undefined;
    case 'epoch_ms':
      return NUMBER.test(v) ? Math.max(0, (Number(v) - now) / 1000) : undefined;
    case 'http_date':
      return httpDate(v, now);
    case 'seconds_or_http_date':
      return NUMBER.test(v) ? Number(v) : httpDate(v, now);
  }
}

function httpDate(v: string, now: number): number | undefined {
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** The first of the declared headers present and readable, as seconds from now. */
export function retryAfterSeconds(
  headers: Record<string, string>,
  declared: readonly { name: string; format: TimeFormat }[] = DEFAULT_RETRY_AFTER_HEADERS,
  now = Date.now(),
): number | undefined {
  for (const { name, format } of declared) {
    const v = headers[name.toLowerCase()];
    if (v === undefined) continue;
    const s = secondsUntil(v, format, now);
    if (s !== undefined) return s;
  }
  return undefined;
}
