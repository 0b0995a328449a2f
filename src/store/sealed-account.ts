import type { Account } from '../schemas/account.js';
import { isSealedSecret, type CredentialCipher, type SealedSecret } from './cipher.js';
import { isObject, isStringRecord } from './guards.js';

/** An account as stored: everything but the credentials in clear, credentials sealed. */
export interface SealedAccount extends Omit<Account, 'credentials'> {
  credentials: SealedSecret;
}

/** The AAD that ties sealed credentials to one account of one tenant. */
export function accountAad(tenant: string, id: string): string {
  return `${tenant}/${id}`;
}

export function sealAccount(cipher: CredentialCipher, account: Account): SealedAccount {
  return {
    id: account.id,
    tenant: account.tenant,
    integration: account.integration,
    name: account.name,
    status: account.status,
    credentials: cipher.encrypt(account.credentials, accountAad(account.tenant, account.id)),
    context: { ...account.context },
    ...(account.mapping_overrides === undefined
      ? {}
      : { mapping_overrides: structuredClone(account.mapping_overrides) }),
    created_at: account.created_at,
    updated_at: account.updated_at,
  };
}

export function unsealAccount(cipher: CredentialCipher, sealed: SealedAccount): Account {
  return {
    ...sealed,
    context: { ...sealed.context },
    credentials: cipher.decrypt(sealed.credentials, accountAad(sealed.tenant, sealed.id)),
  };
}

/** The order list() returns: oldest first, ties broken by id so the order is stable. */
export function byCreatedThenId(a: SealedAccount, b: SealedAccount): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function isStatus(value: unknown): value is Account['status'] {
  return value === 'active' || value === 'needs_reauth' || value === 'blocked';
}

const STRING_FIELDS = ['id', 'tenant', 'integration', 'name', 'created_at', 'updated_at'] as const;

/** Narrows a parsed stored record; returns the reason as a string when it is not one. */
export function parseSealedAccount(value: unknown): SealedAccount | string {
  if (!isObject(value)) return 'not an object';
  for (const field of STRING_FIELDS) {
    if (typeof value[field] !== 'string') return `"${field}" is not a string`;
  }
  const {
    id,
    tenant,
    integration,
    name,
    status,
    credentials,
    context,
    created_at,
    updated_at,
    mapping_overrides,
  } = value as Record<(typeof STRING_FIELDS)[number], string> & Record<string, unknown>;
  if (!isStatus(status)) return '"status" is not a known status';
  if (!isSealedSecret(credentials)) return '"credentials" is not a sealed secret';
  if (!isStringRecord(context)) return '"context" is not a map of strings';
  if (mapping_overrides !== undefined && !isObject(mapping_overrides))
    return '"mapping_overrides" is not an object';
  const sealed: SealedAccount = {
    id,
    tenant,
    integration,
    name,
    status,
    credentials,
    context,
    created_at,
    updated_at,
  };
  if (mapping_overrides !== undefined) sealed.mapping_overrides = mapping_overrides;
  return sealed;
}
