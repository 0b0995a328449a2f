import type { Account } from '../schemas/account.js';

/**
 * Where integrated accounts live. Implementations encrypt credentials before they touch disk or
 * Redis and scope every call to a tenant, so a tenant can never read another tenant's account.
 */
export interface AccountStore {
  create(account: Account): Promise<void>;
  /** Returns undefined for an unknown id and for another tenant's id alike. */
  get(tenant: string, id: string): Promise<Account | undefined>;
  list(tenant: string): Promise<Account[]>;
  /** Replaces the stored account; returns false when it does not exist for this tenant. */
  update(account: Account): Promise<boolean>;
  delete(tenant: string, id: string): Promise<boolean>;
  /** Checks that the backing service answers (for readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Raised by create() when the id is taken in this tenant. */
export class AccountExistsError extends Error {
  constructor(readonly id: string) {
    super(`an integrated account with id "${id}" already exists`);
    this.name = 'AccountExistsError';
  }
}
