import { Type, type Static } from '@sinclair/typebox';

/**
 * The one list of stable error codes. Clients branch on `code`, so a code, once shipped, keeps its
 * meaning; add new ones rather than repurposing.
 */
export const ERROR_CODES = {
  invalid_parameter: 400,
  unknown_parameter: 400,
  invalid_body: 400,
  invalid_cursor: 400,
  cursor_query_mismatch: 400,
  unsupported_report_type: 400,
  missing_credential: 400,
  unsupported_parameter: 400,
  host_not_allowed: 400,
  response_too_large: 400,
  unauthorized: 401,
  not_found: 404,
  account_not_found: 404,
  remote_cursor_expired: 410,
  remote_conflict: 409,
  remote_validation_failed: 422,
  rate_limited: 429,
  internal_error: 500,
  not_implemented: 501,
  remote_error: 502,
  remote_malformed_response: 502,
  remote_unreachable: 502,
  account_needs_reauth: 503,
  account_blocked: 503,
  not_ready: 503,
  shared_state_unavailable: 503,
  remote_timeout: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ErrorEnvelope = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String({ description: 'What went wrong and what to do about it' }),
    code: Type.Union(
      Object.keys(ERROR_CODES).map((c) => Type.Literal(c)),
      { description: 'Stable machine-readable code' },
    ),
    details: Type.Optional(Type.Unknown()),
    truto_is_remote_error: Type.Optional(Type.Boolean()),
    raw_response: Type.Optional(Type.Unknown()),
  },
  { $id: 'ErrorEnvelope', description: 'The one error shape of every route' },
);
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export interface AppErrorOptions {
  details?: unknown;
  /** Set for failures that came from the vendor: the body it sent, already free of credentials. */
  remote?: { rawResponse: unknown };
  /** Seconds the caller should wait, sent as `Retry-After`. */
  retryAfterSeconds?: number;
  cause?: unknown;
  /** Overrides the status the code normally has (a vendor 409 vs 422, say). */
  statusCode?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: unknown;
  readonly remote: { rawResponse: unknown } | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = options.statusCode ?? ERROR_CODES[code];
    this.details = options.details;
    this.remote = options.remote;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toEnvelope(): ErrorEnvelope {
    const env: ErrorEnvelope = {
      statusCode: this.statusCode,
      error: REASONS[this.statusCode] ?? 'Error',
      message: this.message,
      code: this.code,
    };
    if (this.details !== undefined) env.details = this.details;
    if (this.remote) {
      env.truto_is_remote_error = true;
      env.raw_response = this.remote.rawResponse;
    }
    return env;
  }
}

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}
