/** Anthropic's error envelope (provider notes, claude.md section 7) and request ids. */
import { randomBytes } from 'node:crypto';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `req_01…` like the vendor's; random, since ids are per request and never part of the data. */
export function newRequestId(): string {
  let suffix = '';
  for (const byte of randomBytes(22)) suffix += BASE62.charAt(byte % 62);
  return `req_01${suffix}`;
}

export function errorBody(type: AnthropicErrorType, message: string, requestId: string): string {
  const body: AnthropicErrorBody = { type: 'error', error: { type, message }, request_id: requestId };
  return JSON.stringify(body);
}

/** Thrown by request handlers; the server turns it into the error envelope above. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: AnthropicErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'invalid_request_error', message);
}
