/** Limiters (time passed in, so no waiting), knobs and controls, seeded data, scale, LRU, money. */
import t from 'tap';
import {
  FaultControls,
  LruCache,
  Rng,
  SlidingWindowLimiter,
  TokenBucketLimiter,
  addDays,
  checkAuth,
  costMicroCents,
  formatMicroCents,
  hashString,
  kindOfStatus,
  mulberry32,
  parseKnobPatch,
  rate,
  recordsOnDay,
  rollingHorizon,
  stableInt,
  sumDecimalCents,
} from '../../src/emulator-kit/index.js';

t.test('token bucket: burst, deny with retry-after, refill, per key', async (t) => {
  const b = new TokenBucketLimiter(60_000);
  t.same(b.admit('k', 0, 3), { ok: true, limit: 3, remaining: 2, retryAfterSeconds: 0 });
  t.ok(b.admit('k', 0, 3).ok);
  t.ok(b.admit('k', 0, 3).ok);
  const denied = b.admit('k', 0, 3);
  t.same(denied, { ok: false, limit: 3, remaining: 0, retryAfterSeconds: 20 }, 'one token per 20 s');
  t.ok(b.admit('other', 0, 3).ok, 'keys are separate');
  t.notOk(b.admit('k', 19_000, 3).ok);
  t.ok(b.admit('k', 20_000, 3).ok, 'refilled');
  b.clear();
  t.equal(b.admit('k', 20_000, 3).remaining, 2, 'clear() forgets');
});

t.test('sliding window: reopens when the oldest hit ages out', async (t) => {
  const w = new SlidingWindowLimiter(60_000);
  t.ok(w.admit('k', 0, 2).ok);
  t.ok(w.admit('k', 10_000, 2).ok);
  t.same(w.admit('k', 30_000, 2), { ok: false, limit: 2, remaining: 0, retryAfterSeconds: 30 });
  t.ok(w.admit('k', 60_000, 2).ok, 'the hit at 0 left the window');
  t.notOk(w.admit('k', 60_001, 2).ok);
});

t.test('knob patches are validated whole', async (t) => {
  const specs = {
    n: { type: 'count' as const, max: 5 },
    m: { type: 'count' as const, nullable: true },
    b: { type: 'boolean' as const },
    e: { type: 'oneOf' as const, values: ['x', 'y'] },
  };
  t.same(parseKnobPatch(specs, { n: 5, m: null, b: true, e: 'y' }), {
    ok: true,
    patch: { n: 5, m: null, b: true, e: 'y' },
  });
  t.same(parseKnobPatch(specs, { n: 6 }), { ok: false, message: 'n must be at most 5' });
  t.same(parseKnobPatch(specs, { n: null }), { ok: false, message: 'n must be a non-negative integer' });
  t.same(parseKnobPatch(specs, { m: 1.5 }), {
    ok: false,
    message: 'm must be a non-negative integer or null',
  });
  t.same(parseKnobPatch(specs, { e: 'z' }), { ok: false, message: "e must be 'x' or 'y'" });
  t.same(parseKnobPatch(specs, { toString: 1 }), { ok: false, message: 'unknown control toString' });
  t.same(parseKnobPatch(specs, []), { ok: false, message: 'body must be a JSON object' });
});

t.test('fault controls: queue order, 5xx cycle restarts, reset, vendor defaults', async (t) => {
  const c = new FaultControls({ serverErrorStatuses: [500, 503, 504] });
  c.set({ fail429: 1, fail5xx: 2, retryAfterSeconds: 3 });
  t.same(c.takeFault(), { kind: 'rate_limit', status: 429, retryAfterSeconds: 3 });
  t.same(c.takeFault(), { kind: 'server', status: 500 });
  t.same(c.takeFault(), { kind: 'server', status: 503 });
  t.equal(c.takeFault(), null);
  c.fail5xx = 1;
  t.same(c.takeFault(), { kind: 'server', status: 500 }, 'a new run starts the cycle again');
  c.malformed = 1;
  t.ok(c.takeMalformed());
  t.notOk(c.takeMalformed());
  c.expireTokens = 1;
  t.ok(c.takeTokenExpiry());
  t.notOk(c.takeTokenExpiry());
  c.requests = 5;
  c.delayMs = 10;
  c.reset();
  t.equal(c.requests, 0);
  t.equal(c.snapshot().delayMs, 0);
  t.throws(() => new FaultControls({ serverErrorStatuses: [] }), RangeError);

  interface Mine {
    fail429: number;
    retryAfterSeconds: number | null;
    fail5xx: number;
    delayMs: number;
    malformed: number;
    loopPaging: boolean;
    failAfterRequests: number | null;
    expireTokens: number;
    depth: number;
  }
  const defaults: Mine = { ...new FaultControls().defaults, depth: 3 } as Mine;
  const mine = new FaultControls<Mine>({ defaults });
  mine.set({ depth: 9 });
  t.equal(mine.snapshot().depth, 9);
  mine.reset();
  t.same(mine.snapshot(), { ...defaults, requests: 0 });
});

t.test('seeded data is deterministic and spread', async (t) => {
  t.equal(hashString('a'), hashString('a'));
  t.not(hashString('day|1'), hashString('day|2'));
  const r1 = new Rng('seed');
  const r2 = new Rng('seed');
  const draws = Array.from({ length: 20 }, () => r1.int(1, 6));
  t.same(
    Array.from({ length: 20 }, () => r2.int(1, 6)),
    draws,
  );
  t.ok(draws.every((d) => d >= 1 && d <= 6));
  t.ok(new Set(draws).size > 2, 'not constant');
  t.match(new Rng('x').base62(12), /^[0-9A-Za-z]{12}$/);
  t.equal(new Rng('x').weighted([['only', 1]]), 'only');
  t.throws(() => new Rng('x').pick([]), RangeError);
  const m = mulberry32(1);
  const v = m();
  t.ok(v >= 0 && v < 1);
  t.equal(stableInt(7, 3, 100), stableInt(7, 3, 100));
  t.ok(Array.from({ length: 50 }, (_, i) => stableInt(i, 0, 10)).every((x) => x >= 0 && x < 10));
});

t.test('scale: records per day', async (t) => {
  t.equal(recordsOnDay({ recordsPerDay: 100 }, 's', '2026-03-04'), 100);
  t.equal(recordsOnDay({ recordsPerDay: 100, weekendFactor: 0.5 }, 's', '2026-03-07'), 50, 'a Saturday');
  const n = recordsOnDay({ recordsPerDay: 100, jitter: 0.2 }, 's', '2026-03-04');
  t.ok(n >= 80 && n <= 120, `${n} within ±20%`);
  t.equal(recordsOnDay({ recordsPerDay: 100, jitter: 0.2 }, 's', '2026-03-04'), n, 'stable');
  t.equal(recordsOnDay({ recordsPerDay: 100 }, 's', 'not-a-day'), 0);
});

t.test('LRU evicts the least recently used', async (t) => {
  const lru = new LruCache<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  t.equal(lru.get('a'), 1);
  lru.set('c', 3);
  t.equal(lru.get('b'), undefined, 'b was least recent');
  t.equal(
    lru.getOrSet('a', () => 9),
    1,
  );
  t.equal(
    lru.getOrSet('d', () => 4),
    4,
  );
  t.equal(lru.size, 2);
});

t.test('dates, money, kinds, auth helper', async (t) => {
  t.equal(addDays('2026-02-28', 1), '2026-03-01');
  t.same(rollingHorizon(new Date('2026-03-15T12:00:00Z'), 90), { first: '2025-12-15', last: '2026-03-14' });
  t.equal(formatMicroCents(1_500_000n, 2), '1.50');
  t.equal(sumDecimalCents(['0.1', '0.2']), '0.300000');
  t.equal(costMicroCents(3, rate(5, 2)), 8n, '7.5 rounds half up');
  t.equal(kindOfStatus(529), 'overloaded');
  t.equal(kindOfStatus(418), 'invalid_request');
  const rule = {
    credentials: { scheme: 'header' as const, header: 'k', keys: ['good'] },
    missing: { status: 401, kind: 'authentication' as const, message: 'missing' },
    invalid: { status: 401, kind: 'authentication' as const, message: 'invalid' },
  };
  t.equal(
    checkAuth(rule, () => 'good'),
    null,
  );
  t.equal(checkAuth(rule, () => '')?.message, 'missing');
  t.equal(checkAuth(rule, () => 'bad')?.message, 'invalid');
});
