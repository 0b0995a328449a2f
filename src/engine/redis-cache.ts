import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { isStringRecord } from '../store/guards.js';
import { luaScript, type RedisLink } from '../store/redis-link.js';
import { SingleFlight, type CachedResponse, type Flights, type ResponseCache } from './cache.js';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** First byte of a stored value: how the JSON after it is encoded. */
const PLAIN = 0;
const DEFLATED = 1;

export interface RedisResponseCacheOptions {
  /** Entries larger than this once stored (after compression) are not cached. Default 4 MiB. */
  maxEntryBytes?: number;
  /** Values from this size on are compressed when that saves at least a tenth. Default 8 KiB. */
  compressFromBytes?: number;
}

/**
 * Vendor responses shared by every replica: one string per entry (`<prefix>cache:<key>`, the key
 * being already a keyed digest of the request) with Redis's own expiry as the TTL.
 */
export class RedisResponseCache implements ResponseCache {
  private readonly maxEntryBytes: number;
  private readonly compressFromBytes: number;

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    options: RedisResponseCacheOptions = {},
  ) {
    this.maxEntryBytes = options.maxEntryBytes ?? 4 * 1024 * 1024;
    this.compressFromBytes = options.compressFromBytes ?? 8 * 1024;
  }

  keyFor(key: string): string {
    return `${this.prefix}cache:${key}`;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const stored = await this.link.run((c) => c.getBuffer(this.keyFor(key)));
    if (stored === null || stored.length === 0) return undefined;
    const json = stored[0] === DEFLATED ? await inflate(stored.subarray(1)) : stored.subarray(1);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString('utf8'));
    } catch {
      return undefined; // unreadable (another version's format): a miss, overwritten on the next fetch
    }
    if (!Array.isArray(parsed)) return undefined;
    const [status, headers, text] = parsed as unknown[];
    if (typeof status !== 'number' || !isStringRecord(headers) || typeof text !== 'string') return undefined;
    return { status, headers, text };
  }

  async set(key: string, value: CachedResponse, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    const stored = await this.encode(value);
    if (stored.length > this.maxEntryBytes) return;
    await this.link.run((c) => c.set(this.keyFor(key), stored, 'PX', Math.ceil(ttlMs)));
  }

  /** The stored form and its size, as the tests and the bench see it. */
  async encode(value: CachedResponse): Promise<Buffer> {
    const json = Buffer.from(JSON.stringify([value.status, value.headers, value.text]), 'utf8');
    if (json.length >= this.compressFromBytes) {
      const packed = await deflate(json, { level: 1 });
      if (packed.length <= json.length * 0.9) return Buffer.concat([Buffer.of(DEFLATED), packed]);
    }
    return Buffer.concat([Buffer.of(PLAIN), json]);
  }
}

// Release and renew the lease only while it is still ours: a leader whose lease lapsed (and was
// taken over) must not delete or extend the new leader's lock.
const RELEASE = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
const RENEW = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

export interface RedisSingleFlightOptions {
  /** How long a leader's lock lives without renewal; a dead leader's lapses after this. */
  leaseMs?: number;
  /** Followers poll for the lock from this interval, doubling up to pollMaxMs. */
  pollMinMs?: number;
  pollMaxMs?: number;
  /** A follower waiting longer than this calls the vendor itself. */
  maxWaitMs?: number;
}

/**
 * Single-flight across replicas. In each process identical calls first merge on one promise; the
 * one caller left per replica then competes for a lease lock (`SET NX PX`). The winner calls the
 * vendor, renewing its lease while it works, caches the answer and releases the lock; the others
 * poll for the lock and, once they hold it, find the answer in the cache (`follow`) and release it
 * again. If the leader failed or died (its lease lapses), the next holder makes the call itself:
 * nobody waits on a lock that no one will release.
 */
export class RedisSingleFlight implements Flights {
  private readonly local = new SingleFlight();
  private readonly leaseMs: number;
  private readonly pollMinMs: number;
  private readonly pollMaxMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    options: RedisSingleFlightOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 10_000;
    this.pollMinMs = options.pollMinMs ?? 10;
    this.pollMaxMs = options.pollMaxMs ?? 200;
    this.maxWaitMs = options.maxWaitMs ?? 90_000;
  }

  keyFor(key: string): string {
    return `${this.prefix}flight:${key}`;
  }

  async run<T>(
    key: string,
    fn: () => Promise<T>,
    follow?: () => Promise<T | undefined>,
  ): Promise<{ value: T; shared: boolean }> {
    const { value, shared } = await this.local.run(key, () => this.across(key, fn, follow));
    return { value: value.value, shared: shared || value.shared };
  }

  private async across<T>(
    key: string,
    fn: () => Promise<T>,
    follow: (() => Promise<T | undefined>) | undefined,
  ): Promise<{ value: T; shared: boolean }> {
    const lock = this.keyFor(key);
    const token = randomUUID();
    const deadline = Date.now() + this.maxWaitMs;
    let poll = this.pollMinMs;
    for (let waited = false; ; waited = true) {
      if (waited) {
        await new Promise((r) => setTimeout(r, poll));
        poll = Math.min(poll * 2, this.pollMaxMs);
      }
      const got = await this.link.run((c) => c.set(lock, token, 'PX', this.leaseMs, 'NX'));
      if (got === 'OK') {
        // Another replica may have answered between this caller's cache miss and the lock.
        const answered = follow ? await this.released(lock, token, follow) : undefined;
        if (answered !== undefined) return { value: answered, shared: true };
        return { value: await this.lead(lock, token, fn), shared: false };
      }
      if (Date.now() > deadline) return { value: await fn(), shared: false };
    }
  }

  private async released<T>(lock: string, token: string, follow: () => Promise<T | undefined>) {
    let answered: T | undefined;
    try {
      answered = await follow();
    } catch (err) {
      await this.release(lock, token);
      throw err;
    }
    if (answered !== undefined) await this.release(lock, token);
    return answered;
  }

  private async lead<T>(lock: string, token: string, fn: () => Promise<T>): Promise<T> {
    const renew = setInterval(
      () => void this.link.eval(RENEW, [lock], [token, this.leaseMs]).catch(() => undefined),
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.release(lock, token);
    }
  }

  /** Best effort: when Redis is away the lease lapses by itself. */
  private async release(lock: string, token: string): Promise<void> {
    await this.link.eval(RELEASE, [lock], [token]).catch(() => undefined);
  }
}
