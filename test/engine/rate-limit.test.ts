import t from 'tap';
import { MemoryRateLimiter } from '../../src/engine/rate-limit.js';

t.test('never more than N calls start in any window', async (t) => {
  let now = 0;
  const limiter = new MemoryRateLimiter(() => now);
  const rule = { requests: 3, perSeconds: 10 };
  const starts: number[] = [];
  // Reserve 9 calls at once; each resolves at its reserved start (waits are simulated by reading waitMs).
  const decisions = [];
  for (let i = 0; i < 9; i++) decisions.push(limiter['reserve']('k', rule, 60_000));
  for (const d of decisions) starts.push(now + d.waitMs);
  t.same(starts, [0, 0, 0, 10_000, 10_000, 10_000, 20_000, 20_000, 20_000]);
  for (const s of starts) {
    const inWindow = starts.filter((x) => x > s - 10_000 && x <= s).length;
    t.ok(inWindow <= 3, `window ending ${s} holds ${inWindow}`);
  }
  now = 5_000;
  t.throws(
    () => limiter['reserve']('k', rule, 1_000),
    { code: 'rate_limited' },
    'a wait beyond the bound is a 429',
  );
  try {
    limiter['reserve']('k', rule, 1_000);
  } catch (err) {
    t.equal(
      (err as { retryAfterSeconds: number }).retryAfterSeconds,
      25,
      'Retry-After says when a slot frees',
    );
  }
  t.equal(limiter['reserve']('other', rule, 0).waitMs, 0, 'keys are independent');
});

t.test('slots free as the window slides', async (t) => {
  let now = 0;
  const limiter = new MemoryRateLimiter(() => now);
  const rule = { requests: 2, perSeconds: 1 };
  t.equal(limiter['reserve']('k', rule, 0).waitMs, 0);
  now = 400;
  t.equal(limiter['reserve']('k', rule, 0).waitMs, 0);
  now = 600;
  t.equal(limiter['reserve']('k', rule, 10_000).waitMs, 400, 'waits until the first call leaves the window');
  now = 1_500;
  t.equal(limiter['reserve']('k', rule, 0).waitMs, 0);
});

t.test('a large limit: random arrivals never put more than N starts in a window', async (t) => {
  let now = 0;
  const limiter = new MemoryRateLimiter(() => now);
  const rule = { requests: 50, perSeconds: 1 };
  const starts: number[] = [];
  let remainingOk = true;
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 3000; i++) {
    now += Math.floor(rnd() * 30);
    const d = limiter['reserve']('k', rule, 60_000);
    remainingOk &&= d.remaining >= 0 && d.remaining <= rule.requests;
    starts.push(now + d.waitMs);
  }
  starts.sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while ((starts[j] as number) <= (starts[i] as number) - 1000) j++;
    worst = Math.max(worst, i - j + 1);
  }
  t.equal(worst, 50, 'the busiest window holds exactly the limit');
  t.ok(remainingOk, 'remaining stays within 0..limit');
});
