import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { TokenRegistry } from './auth.js';
import { ConnectorRegistry } from './engine/registry.js';
import { UsageService } from './engine/usage-service.js';
import { UsageEngine } from './engine/engine.js';
import { PageRunner } from './engine/runner.js';
import { UpstreamHttp } from './engine/http.js';
import { UpstreamCaller } from './engine/upstream.js';
import { MemoryResponseCache, SingleFlight, type Flights, type ResponseCache } from './engine/cache.js';
import { MemoryRateLimiter, type RateLimiter } from './engine/rate-limit.js';
import { RedisResponseCache, RedisSingleFlight } from './engine/redis-cache.js';
import { RedisRateLimiter } from './engine/redis-rate-limit.js';
import { CursorCodec } from './engine/cursor.js';
import { SecretDigest } from './engine/secret-digest.js';
import { MappingCatalog } from './engine/mapping-catalog.js';
import { AccountRules } from './accounts.js';
import { Metrics } from './http/metrics.js';
import type { DestinationStream } from 'pino';
import type { Dispatcher } from 'undici';
import { createHmac } from 'node:crypto';
import { buildApp } from './app.js';
import type { AccountStore } from './store/account-store.js';
import { CredentialCipher } from './store/cipher.js';
import { loadOrCreateSecretKey } from './store/secret-key.js';
import { FileAccountStore } from './store/file-account-store.js';
import { RedisAccountStore } from './store/redis-account-store.js';
import { LinkedAccountStore, openRedis, RedisLink, redisTarget } from './store/redis-link.js';
import { errorMessage } from './store/guards.js';

/** The repository root, where connectors/ and mappings/ live (works from src/ and dist/src/). */
export const PROJECT_ROOT = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.dirname(here)) === 'dist'
    ? path.resolve(here, '../..')
    : path.resolve(here, '..');
})();

export interface RuntimeOptions {
  config: Config;
  /** Extra tenant tokens (the sandbox tenant). */
  extraTokens?: { tenant: string; token: string }[];
  logger?: boolean | object;
  /** Where the default logger writes (tests capture it); standard output when absent. */
  logStream?: DestinationStream;
  warn?: (msg: string) => void;
  connectorsDir?: string;
  mappingsDir?: string;
  /** undici dispatcher for vendor calls (tests pass a MockAgent). */
  dispatcher?: Dispatcher;
  cache?: ResponseCache;
  limiter?: RateLimiter;
  now?: () => Date;
}

export interface Runtime {
  app: FastifyInstance;
  accounts: AccountStore;
  connectors: ConnectorRegistry;
  redis: Redis | undefined;
  close(): Promise<void>;
}

/** Wires config, stores and the engine into an app. Used by main and by the tests alike. */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const warn = options.warn ?? ((msg: string) => process.emitWarning(msg));
  const key = await loadOrCreateSecretKey({
    fromEnv: config.secretKey,
    dataDir: config.dataDir,
    allowGenerate: config.sandbox || config.tokens.length === 0,
    warn,
  });
  const cipher = new CredentialCipher(key);
  let redis: Redis | undefined;
  let link: RedisLink | undefined;
  let accounts: AccountStore;
  let cache = options.cache ?? new MemoryResponseCache();
  let limiter = options.limiter ?? new MemoryRateLimiter();
  let flights: Flights = new SingleFlight();
  // Why Redis could not be reached at start, logged once the logger exists.
  let redisDownAtStart: string | undefined;
  if (config.redisUrl) {
    // Every replica on this Redis shares accounts, the response cache, single-flight and the
    // vendor rate-limit buckets. While Redis is away these answer 503 shared_state_unavailable:
    // nothing falls back to state of this process alone.
    redis = openRedis(config.redisUrl);
    redis.on('error', () => undefined); // reported by the connection log below, not per attempt
    link = new RedisLink(redis, redisTarget(config.redisUrl));
    try {
      await redis.connect();
    } catch (err) {
      redisDownAtStart = errorMessage(err);
    }
    const prefix = config.redisPrefix;
    accounts = new LinkedAccountStore(
      new RedisAccountStore(redis, cipher, prefix, { ownsConnection: false }),
      link,
    );
    cache = options.cache ?? new RedisResponseCache(link, prefix);
    limiter = options.limiter ?? new RedisRateLimiter(link, prefix);
    flights = new RedisSingleFlight(link, prefix);
  } else {
    accounts = await FileAccountStore.open({ dataDir: config.dataDir, cipher });
  }
  const connectors = await ConnectorRegistry.load(
    options.connectorsDir ?? path.join(PROJECT_ROOT, 'connectors'),
  );
  const mappings = await MappingCatalog.load(
    options.mappingsDir ?? path.join(PROJECT_ROOT, 'mappings'),
    connectors,
  );
  const tokens = new TokenRegistry([...config.tokens, ...(options.extraTokens ?? [])]);
  const metrics = new Metrics();
  const http = new UpstreamHttp(options.dispatcher);
  const digest = new SecretDigest(key);
  const caller = new UpstreamCaller(http, cache, limiter, metrics, digest, undefined, flights);
  const rules = new AccountRules(connectors, {
    allowCustomHosts: config.allowCustomHosts,
    allowLoopback: config.sandbox,
    checkOverrides: (slug, overrides) => mappings.check(slug, overrides),
  });
  // Cursors are signed with their own key, derived from the secret key unless one is given, so
  // every replica sharing the secret key continues every cursor.
  const cursorKey =
    config.cursorKey ?? createHmac('sha256', key).update('meterway cursor signing key').digest('hex');
  const engine = new UsageEngine({
    runner: new PageRunner({
      caller,
      digest,
      hostAllowedFor: (slug, host) => rules.hostAllowedFor(slug, host),
      maxTimeoutMs: config.upstreamTimeoutMs,
      ...(options.now ? { now: () => (options.now as () => Date)().getTime() } : {}),
    }),
    cursors: new CursorCodec(cursorKey),
    mappings: (slug, name, account) => mappings.get(slug, name, account),
    upstreamBudget: config.upstreamBudget,
    maxBufferedRows: config.maxBufferedRows,
    ...(options.now ? { now: options.now } : {}),
  });
  const usage = new UsageService(accounts, connectors, engine);
  const app = await buildApp({
    config,
    tokens,
    accounts,
    connectors,
    usage,
    rules,
    redis,
    metrics,
    logger: options.logger,
    logStream: options.logStream,
  });
  if (redis && link) logRedisConnection(app, redis, link.target, redisDownAtStart);
  return {
    app,
    accounts,
    connectors,
    redis,
    async close() {
      await app.close();
      await http.close();
      await accounts.close();
      if (redis) redis.disconnect();
    },
  };
}

/** One log line per change of the Redis connection (down at start, lost, back), not per retry. */
function logRedisConnection(
  app: FastifyInstance,
  redis: Redis,
  target: string,
  downAtStart: string | undefined,
): void {
  let lastError = downAtStart;
  let up = downAtStart === undefined;
  if (!up) {
    app.log.error(
      { redis: target, reason: downAtStart },
      `Redis at ${target} is unreachable at start (${downAtStart}); /readyz answers 503 and usage requests answer 503 shared_state_unavailable until it answers (retrying)`,
    );
  }
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  redis.on('close', () => {
    if (!up) return;
    up = false;
    app.log.error(
      { redis: target, reason: lastError },
      `Redis connection to ${target} lost; requests that need it answer 503 shared_state_unavailable until it returns (reconnecting)`,
    );
  });
  redis.on('ready', () => {
    if (up) return;
    up = true;
    app.log.info({ redis: target }, `Redis at ${target} is connected again; serving from shared state`);
  });
}
