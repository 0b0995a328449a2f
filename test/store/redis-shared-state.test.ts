import { randomBytes } from 'node:crypto';
import t from 'tap';
import { MemoryRateLimiter, type RateDecision } from '../../src/engine/rate-limit.js';
import { RedisRateLimiter } from '../../src/engine/redis-rate-limit.js';
import { RedisResponseCache, RedisSingleFlight } from '../../src/engine/redis-cache.js';
import type { CachedResponse } from '../../src/engine/cache.js';
import { connectRedis, deleteUnder, openLink, testPrefix } from './redis-support.js';

// Two connections stand for two replicas: everything shared goes through Redis, not process memory.
const admin = await connectRedis();
const a = await openLink();
const b = await openLink();
const prefixes: string[] = [];
function prefix(name: string): string {
  const p = testPrefix(name);
  prefixes.push(p);
  return p;
}
t.teardown(async () => {
  for (const p of prefixes) await deleteUnder(admin, p);
  admin.disconnect();
  a.redis.disconnect();
  b.redis.disconnect();
});

t.test('rate limiter: never more than N calls start in any window; the bound gives a 429', async (t) => {
  let now = 1_000_000;
  const limiter = new RedisRateLimiter(a.link, prefix('rl'), () => now);
  const rule = { requests: 3, perSeconds: 10 };
  const starts: number[] = [];
  for (let i = 0; i < 9; i++)
    starts.push(now + (await limiter.reserve('k', rule, 60_000)).waitMs - 1_000_000);
  t.same(starts, [0, 0, 0, 10_000, 10_000, 10_000, 20_000, 20_000, 20_000]);
  now += 5_000;
  const err = await limiter.reserve('k', rule, 1_000).catch((e: unknown) => e);
  t.match(err, { code: 'rate_limited', statusCode: 429, retryAfterSeconds: 25 }, 'Retry-After says when');
  t.equal((await limiter.reserve('other', rule, 0)).waitMs, 0, 'keys are independent');
  const ttl = await admin.pttl(limiter.keyFor('k'));
  t.ok(ttl > 0 && ttl <= 36_000, `the log expires once its reservations leave the window (${ttl} ms)`);
});

t.test('rate limiter: the same decisions as the in-process limiter, arrival by arrival', async (t) => {
  let now = 5_000_000;
  const memory = new MemoryRateLimiter(() => now);
  const redis = new RedisRateLimiter(a.link, prefix('rl-eq'), () => now);
  const rule = { requests: 7, perSeconds: 2 };
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const differences: string[] = [];
  for (let i = 0; i < 400; i++) {
    now += Math.floor(rnd() * 400);
    const maxWait = rnd() < 0.3 ? 0 : 5_000;
    let m: RateDecision | string;
    let r: RateDecision | string;
    try {
      m = memory['reserve']('k', rule, maxWait);
    } catch (e) {
      m = `429 after ${(e as { retryAfterSeconds: number }).retryAfterSeconds}`;
    }
    try {
      r = await redis.reserve('k', rule, maxWait);
    } catch (e) {
      r = `429 after ${(e as { retryAfterSeconds: number }).retryAfterSeconds}`;
    }
    if (JSON.stringify(m) !== JSON.stringify(r))
      differences.push(`#${i}: ${JSON.stringify(m)} vs ${JSON.stringify(r)}`);
  }
  t.same(differences, [], 'wait, remaining, reset and 429s agree');
});

t.test('rate limiter: a burst spread over two replicas gets exactly the limit', async (t) => {
  const p = prefix('rl-burst');
  const onA = new RedisRateLimiter(a.link, p);
  const onB = new RedisRateLimiter(b.link, p);
  const rule = { requests: 5, perSeconds: 60 };
  const results = await Promise.allSettled(
    Array.from({ length: 40 }, (_, i) => (i % 2 ? onA : onB).take('vendor', rule, 0)),
  );
  const ok = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter(
    (r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'rate_limited',
  );
  t.equal(ok.length, 5, 'five calls may start');
  t.equal(refused.length, 35, 'the rest are 429s');
  t.equal(await admin.zcard(onA.keyFor('vendor')), 5, 'only granted calls are logged');
});

t.test('response cache: shared, TTL, size bound, compression', async (t) => {
  const p = prefix('cache');
  const onA = new RedisResponseCache(a.link, p, { maxEntryBytes: 64 * 1024 });
  const onB = new RedisResponseCache(b.link, p, { maxEntryBytes: 64 * 1024 });
  const small: CachedResponse = {
    status: 200,
    headers: { 'content-type': 'application/json' },
    text: '{"ok":true}',
  };
  await onA.set('k1', small, 60_000);
  t.same(await onB.get('k1'), small, 'another replica reads it');
  const ttl = await admin.pttl(onA.keyFor('k1'));
  t.ok(ttl > 0 && ttl <= 60_000, `Redis expires it after the TTL (${ttl} ms left)`);
  await onA.set('k0', small, 0);
  t.equal(await onB.get('k0'), undefined, 'a zero TTL is not cached');
  t.equal(await admin.exists(onA.keyFor('k0')), 0);

  const rows = Array.from({ length: 2000 }, (_, i) => ({ id: i, model: 'claude-x', tokens: i * 3 }));
  const big: CachedResponse = { status: 200, headers: {}, text: JSON.stringify({ data: rows }) };
  const stored = await onA.encode(big);
  t.ok(
    stored.length < big.text.length / 3,
    `repetitive JSON is compressed (${big.text.length} → ${stored.length} bytes)`,
  );
  await onA.set('big', big, 60_000);
  t.same(await onB.get('big'), big, 'a compressed entry reads back unchanged');

  const huge: CachedResponse = { status: 200, headers: {}, text: randomBytes(100_000).toString('base64') };
  const hugeStored = await onA.encode(huge);
  t.ok(hugeStored.length > 64 * 1024, 'this entry stays over the bound after compression');
  await onA.set('huge', huge, 60_000);
  t.equal(await admin.exists(onA.keyFor('huge')), 0, 'an entry over the size bound is not stored');

  await admin.set(onA.keyFor('junk'), 'not ours');
  t.equal(await onA.get('junk'), undefined, 'an unreadable value is a miss, not an error');
});

t.test('single-flight: identical concurrent calls on two replicas make one call', async (t) => {
  const p = prefix('sf');
  const cacheA = new RedisResponseCache(a.link, p);
  const cacheB = new RedisResponseCache(b.link, p);
  const flights = [new RedisSingleFlight(a.link, p), new RedisSingleFlight(b.link, p)];
  const caches = [cacheA, cacheB];
  let calls = 0;
  const answer: CachedResponse = { status: 200, headers: {}, text: 'the answer' };
  const results = await Promise.all(
    Array.from({ length: 32 }, (_, i) => {
      const side = i % 2;
      const cache = caches[side] as RedisResponseCache;
      return (flights[side] as RedisSingleFlight).run(
        'same',
        async () => {
          calls += 1;
          await new Promise((r) => setTimeout(r, 150));
          await cache.set('same', answer, 60_000);
          return answer.text;
        },
        async () => (await cache.get('same'))?.text,
      );
    }),
  );
  t.equal(calls, 1, 'one call');
  t.ok(
    results.every((r) => r.value === 'the answer'),
    'everyone has the answer',
  );
  t.equal(results.filter((r) => !r.shared).length, 1, 'one leader, the rest shared');
  t.equal(await admin.exists(flights[0]!.keyFor('same')), 0, 'the lock is released');
});

t.test(
  'single-flight: a dead leader does not block; its lease lapses and a follower takes over',
  async (t) => {
    const p = prefix('sf-dead');
    const flight = new RedisSingleFlight(b.link, p, { leaseMs: 300 });
    // A replica that took the lock and died: nobody releases or renews it.
    await admin.set(flight.keyFor('k'), 'dead-leader', 'PX', 300);
    let calls = 0;
    const r = await flight.run(
      'k',
      async () => {
        calls += 1;
        return 'fresh';
      },
      async () => undefined,
    );
    t.same(r, { value: 'fresh', shared: false }, 'the follower made the call itself');
    t.equal(calls, 1);
  },
);

t.test('single-flight: a failing leader fails its callers; another replica then tries', async (t) => {
  const p = prefix('sf-fail');
  const onA = new RedisSingleFlight(a.link, p);
  const onB = new RedisSingleFlight(b.link, p);
  let calls = 0;
  const fn = async () => {
    calls += 1;
    await new Promise((r) => setTimeout(r, 100));
    if (calls === 1) throw new Error('vendor failed');
    return 'second try';
  };
  const [first, second] = await Promise.allSettled([
    onA.run('k', fn, async () => undefined),
    new Promise((r) => setTimeout(r, 20)).then(() => onB.run('k', fn, async () => undefined)),
  ]);
  t.match(first, { status: 'rejected', reason: { message: 'vendor failed' } });
  t.match(second, { status: 'fulfilled', value: { value: 'second try' } });
  t.equal(calls, 2);
});

t.test('single-flight: a long call keeps its lease', async (t) => {
  const p = prefix('sf-long');
  const onA = new RedisSingleFlight(a.link, p, { leaseMs: 150 });
  const onB = new RedisSingleFlight(b.link, p, { leaseMs: 150 });
  const cache = new RedisResponseCache(a.link, p);
  let calls = 0;
  const fn = async () => {
    calls += 1;
    await new Promise((r) => setTimeout(r, 600)); // four leases long
    await cache.set('k', { status: 200, headers: {}, text: 'x' }, 10_000);
    return 'x';
  };
  const follow = async () => (await cache.get('k'))?.text;
  const results = await Promise.all([
    onA.run('k', fn, follow),
    new Promise((r) => setTimeout(r, 50)).then(() => onB.run('k', fn, follow)),
  ]);
  t.equal(calls, 1, 'the leader renewed its lease, so nobody took over');
  t.same(
    results.map((r) => r.value),
    ['x', 'x'],
  );
});
