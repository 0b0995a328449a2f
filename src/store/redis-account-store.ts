import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Account } from '../schemas/account.js';
import { AccountExistsError, type AccountStore } from './account-store.js';
import type { CredentialCipher } from './cipher.js';
import { errorMessage } from './guards.js';
import {
  byCreatedThenId,
  parseSealedAccount,
  sealAccount,
  unsealAccount,
  type SealedAccount,
} from './sealed-account.js';

export interface RedisAccountStoreOptions {
  /** False when the caller shares the connection and will close it itself; defaults to true. */
  ownsConnection?: boolean;
}

// Replace a field only if it is there, in one step: HEXISTS then HSET from the client could
// resurrect an account that a concurrent delete removed in between.
const UPDATE_IF_EXISTS = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
`;
const UPDATE_SHA = createHash('sha1').update(UPDATE_IF_EXISTS).digest('hex');

/**
 * Keeps accounts in Redis, one hash per tenant (`<prefix>accounts:<tenant>`, field = account id,
 * value = JSON with sealed credentials). Every command touches exactly one key, so the layout
 * works unchanged on Redis Cluster, and a tenant's accounts can only be reached through its key.
 */
export class RedisAccountStore implements AccountStore {
  readonly #redis: Redis | Cluster;
  readonly #cipher: CredentialCipher;
  readonly #prefix: string;
  readonly #ownsConnection: boolean;
  #closing: Promise<void> | undefined;

  constructor(
    redis: Redis | Cluster,
    cipher: CredentialCipher,
    keyPrefix = 'meterway:',
    options: RedisAccountStoreOptions = {},
  ) {
    this.#redis = redis;
    this.#cipher = cipher;
    this.#prefix = keyPrefix;
    this.#ownsConnection = options.ownsConnection ?? true;
  }

  /** The hash holding one tenant's accounts; exposed for tests and operational tooling. */
  keyFor(tenant: string): string {
    return `${this.#prefix}accounts:${tenant}`;
  }

  async create(account: Account): Promise<void> {
    const value = JSON.stringify(sealAccount(this.#cipher, account));
    const added = await this.#redis.hsetnx(this.keyFor(account.tenant), account.id, value);
    if (added === 0) throw new AccountExistsError(account.id);
  }

  async get(tenant: string, id: string): Promise<Account | undefined> {
    const key = this.keyFor(tenant);
    const value = await this.#redis.hget(key, id);
    if (value === null) return undefined;
    return unsealAccount(this.#cipher, this.#parse(key, tenant, id, value));
  }

  async list(tenant: string): Promise<Account[]> {
    const key = this.keyFor(tenant);
    const all = await this.#redis.hgetall(key);
    const sealed = Object.entries(all).map(([id, value]) => this.#parse(key, tenant, id, value));
    sealed.sort(byCreatedThenId);
    return sealed.map((a) => unsealAccount(this.#cipher, a));
  }

  async update(account: Account): Promise<boolean> {
    const value = JSON.stringify(sealAccount(this.#cipher, account));
    const key = this.keyFor(account.tenant);
    return (await this.#evalUpdate(key, account.id, value)) === 1;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return (await this.#redis.hdel(this.keyFor(tenant), id)) === 1;
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    if (!this.#ownsConnection) return;
    // Memoized: a second QUIT on a connection that is already closing is rejected by ioredis.
    this.#closing ??= this.#quit();
    return this.#closing;
  }

  async #quit(): Promise<void> {
    if (this.#redis.status === 'end') return;
    await this.#redis.quit();
  }

  // EVALSHA saves resending the script each time; a server that has not seen it yet (fresh start,
  // SCRIPT FLUSH, another cluster node) answers NOSCRIPT, and EVAL loads it for next time.
  async #evalUpdate(key: string, id: string, value: string): Promise<unknown> {
    try {
      return await this.#redis.evalsha(UPDATE_SHA, 1, key, id, value);
    } catch (err) {
      if (!errorMessage(err).startsWith('NOSCRIPT')) throw err;
      return this.#redis.eval(UPDATE_IF_EXISTS, 1, key, id, value);
    }
  }

  /**
   * Parses a stored value and checks that it belongs where it was found. The AAD is built from the
   * record's own tenant and id, so without this check a whole record copied into another tenant's
   * hash would still decrypt, and be served to that tenant.
   */
  #parse(key: string, tenant: string, id: string, value: string): SealedAccount {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw new Error(`account "${id}" in ${key} is not valid JSON: ${errorMessage(err)}`);
    }
    const account = parseSealedAccount(parsed);
    if (typeof account === 'string') throw new Error(`account "${id}" in ${key} is malformed: ${account}`);
    if (account.tenant !== tenant || account.id !== id) {
      throw new Error(`account "${id}" in ${key} holds the record of another account`);
    }
    return account;
  }
}
