import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, reasonPhrase, type ErrorEnvelope } from '../errors.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * Turns a schema validation failure into a message a person can act on: which parameter, what
 * is wrong, and what is allowed.
 */
export function validationToAppError(errors: AjvError[], context: string): AppError {
  const where = context === 'body' ? 'body field' : 'parameter';
  // Report the most useful error first: enum and additionalProperties errors say what is allowed.
  const sorted = [...errors].sort((a, b) => rank(a) - rank(b));
  const e = sorted[0];
  if (!e) return new AppError('invalid_parameter', `Invalid ${context}.`);
  const name = e.instancePath
    .replace(/^\//, '')
    .replace(/\/(\d+)$/, '[$1]')
    .replaceAll('/', '.');
  if (e.keyword === 'additionalProperties') {
    const extra = String(e.params.additionalProperty);
    const full = name ? `${name}.${extra}` : extra;
    return new AppError(
      context === 'body' ? 'invalid_body' : 'unknown_parameter',
      `Unknown ${where} "${full}". Check the spelling; the accepted ${where}s are listed in the OpenAPI document.`,
      { details: { parameter: full } },
    );
  }
  const allowed = collectAllowed(sorted, e.instancePath);
  const label = name || context;
  let message = `Invalid ${where} "${label}": ${e.message ?? 'is not valid'}.`;
  if (e.keyword === 'required') {
    const missing = String(e.params.missingProperty);
    message = `Missing required ${where} "${name ? `${name}.` : ''}${missing}".`;
    return new AppError(context === 'body' ? 'invalid_body' : 'invalid_parameter', message, {
      details: { parameter: missing },
    });
  }
  if (allowed.length > 0) message = `Invalid ${where} "${label}": must be one of ${allowed.join(', ')}.`;
  return new AppError(context === 'body' ? 'invalid_body' : 'invalid_parameter', message, {
    details: { parameter: label, ...(allowed.length > 0 ? { allowed } : {}) },
  });
}

function rank(e: AjvError): number {
  if (e.keyword === 'additionalProperties') return 0;
  if (e.keyword === 'required') return 1;
  if (e.keyword === 'const' || e.keyword === 'enum') return 2;
  if (e.keyword === 'anyOf') return 9;
  return 3;
}

function collectAllowed(errors: AjvError[], path: string): string[] {
  const values: string[] = [];
  for (const e of errors) {
    if (e.instancePath !== path) continue;
    if (e.keyword === 'const') values.push(String(e.params.allowedValue));
    if (e.keyword === 'enum') values.push(...((e.params.allowedValues as unknown[]) ?? []).map(String));
  }
  return [...new Set(values)];
}

/** The one error handler: every failure leaves as the envelope; 5xx never show internals. */
export function handleError(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  let appError: AppError;
  if (error instanceof AppError) {
    appError = error;
  } else if ('validation' in error && Array.isArray(error.validation)) {
    appError = validationToAppError(
      error.validation as AjvError[],
      String(error.validationContext ?? 'querystring'),
    );
  } else if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500) {
    // Fastify's own client errors (bad JSON body, unsupported media type, body too large).
    const code = error.statusCode === 404 ? 'not_found' : 'invalid_body';
    appError = new AppError(code, error.message, { statusCode: error.statusCode });
  } else {
    request.log.error({ err: error }, 'unhandled error');
    appError = new AppError(
      'internal_error',
      `Internal error; quote request id ${request.id} when reporting it.`,
    );
  }
  if (appError.statusCode >= 500 && appError.code === 'internal_error' && error !== appError) {
    // already logged above
  } else if (appError.statusCode >= 500) {
    request.log.warn({ code: appError.code, msg: appError.message }, 'request failed');
  }
  if (appError.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(Math.max(0, Math.ceil(appError.retryAfterSeconds))));
  }
  reply.status(appError.statusCode).type('application/json').send(appError.toEnvelope());
}

export function envelope(statusCode: number, code: ErrorEnvelope['code'], message: string): ErrorEnvelope {
  return { statusCode, error: reasonPhrase(statusCode), message, code };
}
