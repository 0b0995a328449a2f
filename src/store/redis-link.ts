import { createHash } from 'node:crypto';
import { Redis, ReplyError, type Cluster } from 'ioredis';
import { AppError } from '../errors.js';
import type { Account } from '../schemas/account.js';
import type { AccountStore } from './account-store.js';
import { errorMessage } from './guards.js';

/** The key prefix used when METERWAY_REDIS_PREFIX is not set (the accounts' prefix since #6). */
export const DEFAULT_REDIS_PREFIX = 'meterway:';

const OUTAGE_MESSAGE =
  /Connection is closed|Command timed out|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN/;

/** A Lua script and its SHA1, so it is sent once and then called by digest. */
export interface LuaScript {
  lua: string;
  sha: string;
}

export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * The Redis connection shared state goes through. Every command runs via `run`, which fails fast
 * with a 503 `shared_state_unavailable` while the connection is down (no queueing, no hang) and
 * turns connection failures into the same error, so a replica never silently falls back to state
 * of its own. ioredis reconnects by itself; service resumes once the connection is ready again.
 */
export class RedisLink {
  constructor(
    readonly client: Redis | Cluster,
    /** Where Redis is, without credentials, for messages and logs. */
    readonly target: string,
  ) {}

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  async run<T>(op: (client: Redis | Cluster) => Promise<T>): Promise<T> {
    if (!this.ready) throw this.unavailable(`not connected (${this.client.status})`);
    try {
      return await op(this.client);
    } catch (err) {
      if (err instanceof AppError || !this.isOutage(err)) throw err;
      throw this.unavailable(errorMessage(err), err);
    }
  }

  /**
   * Whether an error means Redis cannot be reached. A reply error is Redis answering (a bad
   * script, a wrong type: a bug, not an outage) unless it says the server cannot serve yet; an
   * error of the code inside `run` (a malformed record, say) is passed on as it is.
   */
  private isOutage(err: unknown): boolean {
    const message = errorMessage(err);
    if (err instanceof ReplyError) return /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)/.test(message);
    if (err instanceof Error && err.name === 'MaxRetriesPerRequestError') return true;
    return OUTAGE_MESSAGE.test(message) || !this.ready;
  }

  /** EVALSHA, loading the script with EVAL when this server has not seen it (restart, failover). */
  async eval(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.run(async (c) => {
      try {
        return await c.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!errorMessage(err).startsWith('NOSCRIPT')) throw err;
        return c.eval(script.lua, keys.length, ...keys, ...args);
      }
    });
  }

  unavailable(reason: string, cause?: unknown): AppError {
    return new AppError(
      'shared_state_unavailable',
      `The gateway's shared state (Redis at ${this.target}) is unavailable: ${reason}. Nothing was sent to the vendor; retry shortly.`,
      { retryAfterSeconds: 2, ...(cause === undefined ? {} : { cause }) },
    );
  }
}

/** A Redis URL without its password, for log lines and messages. */
export function redisTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'redis';
  }
}

/**
 * Opens the shared connection: bounded command time, quick reconnects forever, and no waiting in
 * an offline queue (a request while Redis is away is answered 503 at once by RedisLink).
 */
export function openRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
}

/** An account store whose Redis outages answer 503 `shared_state_unavailable` like the rest. */
export class LinkedAccountStore implements AccountStore {
  constructor(
    private readonly inner: AccountStore,
    private readonly link: RedisLink,
  ) {}

  create(account: Account): Promise<void> {
    return this.link.run(() => this.inner.create(account));
  }
  get(tenant: string, id: string): Promise<Account | undefined> {
    return this.link.run(() => this.inner.get(tenant, id));
  }
  list(tenant: string): Promise<Account[]> {
    return this.link.run(() => this.inner.list(tenant));
  }
  update(account: Account): Promise<boolean> {
    return this.link.run(() => this.inner.update(account));
  }
  delete(tenant: string, id: string): Promise<boolean> {
    return this.link.run(() => this.inner.delete(tenant, id));
  }
  ping(): Promise<void> {
    return this.link.run(() => this.inner.ping());
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
