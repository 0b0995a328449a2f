/**
 * pino redaction paths: every place a credential could sit in the objects the gateway logs, for
 * the credential headers of every connector loaded.
 * Paths are explicit, not wildcards: fast-redact compiles explicit paths into a few property
 * reads, while a leading wildcard walks every key of every logged object (the reply included) on
 * every log line. What the gateway logs is closed (see `test/api/logs.test.ts`): request and
 * response summaries, errors, account ids; credentials are only ever under a `credentials` key.
 */
export function logRedactPaths(credentialHeaders: Iterable<string>): string[] {
  const headers = [...new Set([...GENERIC_SECRET_HEADERS, ...credentialHeaders])];
  return [
    ...headers.map((h) => `req.headers${prop(h)}`),
    ...headers.map((h) => `headers${prop(h)}`),
    ...headers.map((h) => `err.headers${prop(h)}`),
    'credentials',
    'account.credentials',
    'plan.account.credentials',
    'body.credentials',
    'err.credentials',
    'err.details.credentials',
    'err.cause.credentials',
    'err.account.credentials',
  ];
}

/** A property step of a redaction path: dotted when the name allows, bracketed otherwise. */
function prop(name: string): string {
  return /^[a-z_$][a-z0-9_$]*$/i.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/**
 * Headers that carry secrets whatever the vendor: the gateway's own token, cookies and the
 * common key headers. Each connector adds the headers its auth block puts credentials in (see
 * `credentialHeaderNames`).
 */
const GENERIC_SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
];
const GENERIC = new Set(GENERIC_SECRET_HEADERS);

/** Headers with credential values replaced, for debug output and errors; names compare in any casing. */
export function redactHeaders(
  headers: Record<string, unknown>,
  credentialHeaders: ReadonlySet<string> = GENERIC,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    out[k] = GENERIC.has(name) || credentialHeaders.has(name) ? '[redacted]' : v;
  }
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
