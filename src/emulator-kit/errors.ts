/**
 * Error bodies by template. Every vendor wraps errors in its own JSON shape (an envelope with a
 * `type`, a bare `{ errors: [...] }`, `{ error, message }`, ...), but an emulator's code only ever
 * needs to say *what* went wrong. Handlers throw an EmulatorError with a vendor-neutral kind; the
 * vendor declares one template that turns {status, kind, message, requestId} into its shape.
 */
import { randomBytes } from 'node:crypto';

/** What went wrong, independent of how a vendor spells it. */
export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'gone'
  | 'rate_limit'
  | 'server'
  | 'overloaded';

export interface ErrorInfo {
  status: number;
  kind: ErrorKind;
  message: string;
  /** The id the pipeline also sent as a header, so a body can quote it. */
  requestId: string;
}

/** The vendor's error JSON for one failure (an object; the pipeline serializes it). */
export type ErrorTemplate = (error: ErrorInfo) => unknown;

/** Thrown by handlers and validators; the pipeline renders it with the vendor's template. */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorError';
  }
}

export function badRequest(message: string): EmulatorError {
  return new EmulatorError(400, 'invalid_request', message);
}

/** The kind a bare status usually means, for errors that arrive without one (framework errors). */
export function kindOfStatus(status: number): ErrorKind {
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 410) return 'gone';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  return status >= 500 ? 'server' : 'invalid_request';
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * `prefix` + `length` random base62 chars. Request ids are per request and never part of the data,
 * so they are random rather than seeded.
 */
export function randomId(prefix: string, length: number): string {
  let suffix = '';
  for (const byte of randomBytes(length)) suffix += BASE62.charAt(byte % 62);
  return `${prefix}${suffix}`;
}
