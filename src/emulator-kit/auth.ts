/**
 * Declarative credential checks. Vendors differ only in where the secret travels (one header, a
 * Bearer token, HTTP Basic, a pair of headers) and in how they answer a wrong one (401, 403, or a
 * 404 that hides the route); an emulator states both per route family and writes no auth code.
 */
import type { ErrorKind } from './errors.js';

export type Credentials =
  /** The secret alone in a named header, e.g. an api-key header. */
  | { scheme: 'header'; header: string; keys: readonly string[] }
  /** `Authorization: Bearer <key>`. */
  | { scheme: 'bearer'; keys: readonly string[] }
  /** `Authorization: Basic base64(user:password)`; a key-as-username scheme has password ''. */
  | { scheme: 'basic'; accounts: readonly { user: string; password: string }[] }
  /** Two headers that must both match one accepted pair, e.g. an api key plus an application key. */
  | {
      scheme: 'header-pair';
      headers: readonly [string, string];
      pairs: readonly (readonly [string, string])[];
    };

/** How the vendor refuses a request. */
export interface Denial {
  status: number;
  kind: ErrorKind;
  message: string;
}

export interface AuthRule {
  credentials: Credentials;
  /** No credential at all. */
  missing: Denial;
  /** A credential that is not accepted here. */
  invalid: Denial;
  /**
   * Credentials that are valid elsewhere but refused here with their own answer, e.g. a key of the
   * wrong kind for this API; matched on the presented secret (for Basic, the user; for a pair, the first).
   */
  wrongKind?: readonly { credential: string; denial: Denial }[];
}

type HeaderGetter = (name: string) => string | undefined;

/** The presented secret(s), or null when the request carries none in this scheme. */
function presented(credentials: Credentials, header: HeaderGetter): readonly string[] | null {
  switch (credentials.scheme) {
    case 'header': {
      const key = header(credentials.header);
      return key ? [key] : null;
    }
    case 'bearer': {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header('authorization') ?? '');
      return m?.[1] ? [m[1]] : null;
    }
    case 'basic': {
      const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header('authorization') ?? '');
      if (!m?.[1]) return null;
      const decoded = Buffer.from(m[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      // A Basic header without a colon is malformed: treat it as a wrong credential, not a missing one.
      return colon < 0 ? [decoded, '\0'] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    }
    case 'header-pair': {
      const a = header(credentials.headers[0]);
      const b = header(credentials.headers[1]);
      return a || b ? [a ?? '', b ?? ''] : null;
    }
  }
}

function accepted(credentials: Credentials, got: readonly string[]): boolean {
  const [a, b] = got;
  switch (credentials.scheme) {
    case 'header':
    case 'bearer':
      return a !== undefined && credentials.keys.includes(a);
    case 'basic':
      return credentials.accounts.some((acc) => acc.user === a && acc.password === b);
    case 'header-pair':
      return credentials.pairs.some(([x, y]) => x === a && y === b);
  }
}

/** null when the request may pass, else how to refuse it. */
export function checkAuth(rule: AuthRule, header: HeaderGetter): Denial | null {
  const got = presented(rule.credentials, header);
  if (got === null) return rule.missing;
  if (accepted(rule.credentials, got)) return null;
  const wrong = rule.wrongKind?.find((w) => w.credential === got[0]);
  return wrong ? wrong.denial : rule.invalid;
}

/** `Authorization` value for a Basic account, for tests and clients of an emulator. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
