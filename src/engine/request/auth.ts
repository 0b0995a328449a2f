import type { Account } from '../../schemas/account.js';
import type { AuthScheme, ConnectorSpec } from '../../schemas/connector.js';
import { AppError } from '../../errors.js';

/** A credential the account holds, or a 400 that says which to add. */
export function credentialOf(account: Account, field: string): string {
  const value = account.credentials[field];
  if (!value) {
    throw new AppError(
      'missing_credential',
      `This report needs the ${field} credential; add it with PATCH /integrated-accounts/${account.id}.`,
      { details: { credential: field } },
    );
  }
  return value;
}

/** The headers that carry the account's credentials, as the connector's auth block says. */
export function authHeaders(
  auth: AuthScheme | undefined,
  credential: string,
  account: Account,
): Record<string, string> {
  if (!auth) return {};
  switch (auth.type) {
    case 'header':
      return { [auth.header]: `${auth.prefix ?? ''}${credentialOf(account, credential)}` };
    case 'basic': {
      const user = credentialOf(account, auth.username);
      const pass = auth.password ? credentialOf(account, auth.password) : '';
      return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
    }
    case 'headers':
      return Object.fromEntries(
        Object.entries(auth.headers).map(([h, field]) => [h, credentialOf(account, field)]),
      );
  }
}

/**
 * Names (lower case) of the headers a connector puts credentials in: what debug output and logs
 * redact for it, read from its auth block so a new vendor's header is covered without a list.
 */
export function credentialHeaderNames(spec: Pick<ConnectorSpec, 'auth'>): string[] {
  const auth = spec.auth;
  if (!auth) return [];
  switch (auth.type) {
    case 'header':
      return [auth.header.toLowerCase()];
    case 'basic':
      return ['authorization'];
    case 'headers':
      return Object.keys(auth.headers).map((h) => h.toLowerCase());
  }
}
