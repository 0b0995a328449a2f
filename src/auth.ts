import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TenantToken } from './config.js';

/**
 * Gateway tokens, kept only as SHA-256 digests so a heap dump does not reveal them, and compared
 * in constant time so response timing does not reveal how much of a guess was right.
 */
export class TokenRegistry {
  private readonly entries: { digest: Buffer; tenant: string }[];

  constructor(tokens: TenantToken[]) {
    this.entries = tokens.map((t) => ({ digest: digest(t.token), tenant: t.tenant }));
  }

  /** The tenant owning this token, or undefined. Checks every entry so timing is constant. */
  tenantOf(token: string): string | undefined {
    const d = digest(token);
    let found: string | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(e.digest, d) && found === undefined) found = e.tenant;
    }
    return found;
  }

  get tenants(): string[] {
    return [...new Set(this.entries.map((e) => e.tenant))];
  }
}

function digest(token: string): Buffer {
  // The one-shot hash: a third of createHash().update().digest()'s cost on every request.
  return hash('sha256', token, 'buffer');
}

export function generateToken(): string {
  return `mw_${randomBytes(24).toString('base64url')}`;
}

/** Extracts the bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
