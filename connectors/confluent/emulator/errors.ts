/**
 * Confluent's error body, `Failure` (confluent.md section 5): `{ errors: [Error] }` with the HTTP
 * status as a string, an application code, a title, the detail, and for a bad parameter
 * `source.parameter`. Every response carries `X-Request-Id`; an error's `id` repeats it.
 */
import type { ErrorInfo, ErrorKind } from '../../../src/emulator-kit/errors.js';
import { randomUUID } from 'node:crypto';

export interface ConfluentError {
  id: string;
  status: string;
  code: string;
  title: string;
  detail: string;
  source?: { parameter: string };
}

export interface Failure {
  errors: ConfluentError[];
}

const CODES: Record<ErrorKind, string> = {
  invalid_request: 'invalid_input',
  authentication: 'user_unauthenticated',
  permission: 'user_unauthorized',
  not_found: 'resource_not_found',
  gone: 'resource_gone',
  rate_limit: 'too_many_requests',
  server: 'internal_server_error',
  overloaded: 'service_unavailable',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Parameters a detail may start with; the error then points at it in `source.parameter`. */
const PARAMETER = /^(start_date|end_date|page_size|page_token)\b/;

/** Codes of the billing rules, by the start of their detail. */
const RULE_CODES: readonly (readonly [RegExp, string])[] = [
  [/one month/, 'invalid_date_range'],
  [/one year/, 'invalid_date_range'],
  [/must be after/, 'invalid_date_range'],
  [/^page_token/, 'invalid_page_token'],
  [/^(start_date|end_date)/, 'invalid_filter'],
];

export function confluentError({ status, kind, message, requestId }: ErrorInfo): Failure {
  const parameter = PARAMETER.exec(message)?.[1];
  const code =
    (kind === 'invalid_request' ? RULE_CODES.find(([re]) => re.test(message))?.[1] : undefined) ??
    CODES[kind];
  return {
    errors: [
      {
        id: requestId,
        status: String(status),
        code,
        title: TITLES[status] ?? 'Error',
        detail: message,
        ...(parameter ? { source: { parameter } } : {}),
      },
    ],
  };
}

/** A fresh request id, shaped like Confluent's (a UUID). */
export function newRequestId(): string {
  return randomUUID();
}
