/**
 * pino redaction paths: anything that may carry a credential never reaches a log line, whatever
 * object it is nested in.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["dd-api-key"]',
  'req.headers["dd-application-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'credentials',
  '*.credentials',
  '*.*.credentials',
  '*.api_key',
  '*.api_secret',
  '*.admin_api_key',
  '*.analytics_api_key',
  '*.application_key',
];

/** Header names whose values are credentials, in any casing, for debug output and errors. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|x-api-key|api-key|dd-api-key|dd-application-key|cookie|set-cookie)$/i;

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADER.test(k) ? '[redacted]' : v;
  return out;
}

/**
 * Replaces every occurrence of the given secrets in a text (vendor bodies sometimes echo a key
 * back, e.g. in an error message). Secrets shorter than 6 characters are not searched for, as
 * they would match innocent text.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 6 && out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}
