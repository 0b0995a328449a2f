import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { Redis } from 'ioredis';
import { RedisLink } from '../../src/store/redis-link.js';

/** The Redis CI guarantees (`.ci/run` starts one); an unreachable one fails the test. */
export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for one test, so runs never see each other's keys. */
export function testPrefix(name: string): string {
  return `meterway-test:${name}:${randomUUID()}:`;
}

/** A plain client for a test (no reconnects: a missing Redis fails at once). */
export async function connectRedis(url = SHARED_REDIS_URL): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    throw new Error(`Redis at ${url} is unreachable (${(err as Error).message}); these tests need one`);
  }
  return redis;
}

/** A RedisLink on its own connection, as one replica has it. */
export async function openLink(url = SHARED_REDIS_URL): Promise<{ link: RedisLink; redis: Redis }> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    retryStrategy: (n) => Math.min(n * 50, 300),
  });
  redis.on('error', () => undefined);
  await redis.connect();
  return { link: new RedisLink(redis, url), redis };
}

/** Deletes every key under a prefix. */
export async function deleteUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      'COUNT',
      500,
    );
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(String(d).startsWith('+PONG')));
    s.on('error', () => done(false));
    setTimeout(() => done(false), 1_000).unref();
  });
}

/** A redis-server of a test's own, on a free port, that the test may kill and start again. */
export interface ThrowawayRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  /** SIGKILL: the server vanishes as in a crash. */
  kill(): Promise<void>;
}

export async function throwawayRedis(port?: number): Promise<ThrowawayRedis> {
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const self: ThrowawayRedis = {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 100; i++) {
        if (await answersPing(p)) return;
        if (child.exitCode !== null) throw new Error(`redis-server on ${p} exited (${child.exitCode})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server on port ${p} did not answer`);
    },
    async kill() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
    },
  };
  return self;
}

/** Polls until check() holds (no timing assertion: a bound only so a broken test ends). */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  boundMs = 15_000,
): Promise<void> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}
