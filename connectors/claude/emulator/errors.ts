/** Anthropic's error envelope (provider notes, claude.md section 7) as a kit error template. */
import { randomId, type ErrorInfo, type ErrorKind } from '../../../src/emulator-kit/errors.js';

export { badRequest } from '../../../src/emulator-kit/errors.js';

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

const TYPES: Record<ErrorKind, AnthropicErrorType> = {
  invalid_request: 'invalid_request_error',
  // An expired cursor (410) is reported as a bad request in the vendor's vocabulary.
  gone: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  rate_limit: 'rate_limit_error',
  server: 'api_error',
  overloaded: 'overloaded_error',
};

/** `req_01…` like the vendor's; random, since ids are per request and never part of the data. */
export function newRequestId(): string {
  return randomId('req_01', 22);
}

export function anthropicError({ kind, message, requestId }: ErrorInfo): AnthropicErrorBody {
  return { type: 'error', error: { type: TYPES[kind], message }, request_id: requestId };
}
