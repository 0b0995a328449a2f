/**
 * pino redaction paths: every place a credential could sit in the objects the gateway logs.
 * Paths are explicit, not wildcards: fast-redact compiles explicit paths into a few property
 * reads, while a leading wildcard walks every key of every logged object (the reply included) on
 * every log line. What the gateway logs is closed (see `test/api/logs.test.ts`): request and
 * response summaries, errors, account ids; credentials are only ever under a `credentials` key.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'req.headers["dd-api-key"]',
  'req.headers["dd-application-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'credentials',
  'account.credentials',
  'plan.account.credentials',
  'body.credentials',
  'err.credentials',
  'err.details.credentials',
  'err.cause.credentials',
  'err.account.credentials',
  'err.headers.authorization',
  'err.headers["x-api-key"]',
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
