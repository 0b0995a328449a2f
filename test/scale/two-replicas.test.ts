import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { startClaudeEmulator, SANDBOX_ADMIN_API_KEY } from '../../connectors/claude/emulator/index.js';
import { PROJECT_ROOT } from '../../src/runtime.js';
import { NOW } from '../helpers/claude.js';
import { eventually, throwawayRedis } from '../store/redis-support.js';
import { call, startReplica, type Replica } from './replicas.js';

// Two gateway processes on one Redis and one emulator, as behind a load balancer. The Redis is one
// of the test's own (a throwaway redis-server), because the test kills it.
const LIMIT = 20; // the vendor's declared limit here: 20 calls a minute (the Claude file says 60)
const TOKEN = 'acme-token-0123456789abcdef';

const redis = await throwawayRedis();
await redis.start();
t.teardown(() => redis.kill());
const emu = await startClaudeEmulator({ now: NOW, logger: false });
t.teardown(() => emu.close());

// The Claude connector as shipped, with its admin reports limited to 20 a minute.
const connectorsDir = await mkdtemp(path.join(tmpdir(), 'meterway-scale-'));
t.teardown(() => rm(connectorsDir, { recursive: true, force: true }));
const connector = YAML.parse(
  await readFile(path.join(PROJECT_ROOT, 'connectors/claude/connector.yaml'), 'utf8'),
) as { rate_limits: { group: string; requests: number; per_seconds: number }[] };
const admin = connector.rate_limits.find((r) => r.group === 'admin_reports');
if (!admin) throw new Error('the Claude connector has no admin_reports limit');
admin.requests = LIMIT;
admin.per_seconds = 60;
await mkdir(path.join(connectorsDir, 'claude'));
await writeFile(path.join(connectorsDir, 'claude/connector.yaml'), YAML.stringify(connector));

const env = {
  REDIS_URL: redis.url,
  METERWAY_REDIS_PREFIX: `meterway-scale:${randomUUID()}:`,
  METERWAY_TOKENS: `acme:${TOKEN}`,
  METERWAY_SECRET_KEY: randomBytes(32).toString('hex'),
  METERWAY_SANDBOX: 'false',
  METERWAY_ALLOW_CUSTOM_HOSTS: 'true',
  METERWAY_DATA_DIR: connectorsDir,
  LOG_LEVEL: 'warn',
  MW_SCALE_CONNECTORS_DIR: connectorsDir,
  MW_SCALE_NOW: NOW.toISOString(),
};
const [a, b] = (await Promise.all([startReplica(env), startReplica(env)])) as [Replica, Replica];
t.teardown(() => Promise.all([a.stop(), b.stop()]));

const vendorCalls = async (): Promise<number> =>
  ((await (await fetch(new URL('/__emulator/stats', emu.url))).json()) as { requests: number }).requests;
const usage = (r: Replica, account: string, qs: string) =>
  call(r.url, 'GET', `/unified/usage-metering/usage?integrated_account_id=${account}&${qs}`, TOKEN);
const connect = (r: Replica, id: string) =>
  call(r.url, 'POST', '/integrated-accounts', TOKEN, {
    id,
    integration: 'claude',
    name: 'Northwind',
    credentials: { admin_api_key: SANDBOX_ADMIN_API_KEY },
    context: { base_url: emu.url },
  });

t.test('an account made on A is served by B, and a cursor from A continues on B', async (t) => {
  t.equal((await connect(a, 'cc')).status, 201);
  const qs = 'start_date=2026-03-01&end_date=2026-03-08&limit=5';
  const first = await usage(a, 'cc', qs);
  t.equal(first.status, 200);
  t.ok(first.body.next_cursor, 'page one has a cursor');
  const onB = await usage(b, 'cc', `${qs}&next_cursor=${encodeURIComponent(first.body.next_cursor)}`);
  const onA = await usage(a, 'cc', `${qs}&next_cursor=${encodeURIComponent(first.body.next_cursor)}`);
  t.equal(onB.status, 200, 'B continues the cursor A issued');
  t.same(onB.body.result, onA.body.result, 'page two is the same on either replica');
  t.notSame(
    onB.body.result.map((r: { id: string }) => r.id),
    first.body.result.map((r: { id: string }) => r.id),
    'and it is the next page, not the first again',
  );
});

t.test('64 identical concurrent requests over both replicas make one vendor call', async (t) => {
  // How many vendor calls one such request makes on its own (another, equally long range).
  const before1 = await vendorCalls();
  t.equal((await usage(a, 'cc', 'start_date=2026-02-10&end_date=2026-02-12&limit=5')).status, 200);
  const perRequest = (await vendorCalls()) - before1;
  t.equal(perRequest, 1, 'one request of this range is one vendor call');

  const before = await vendorCalls();
  const replies = await Promise.all(
    Array.from({ length: 64 }, (_, i) =>
      usage(i % 2 ? a : b, 'cc', 'start_date=2026-02-01&end_date=2026-02-03&limit=5'),
    ),
  );
  t.same([...new Set(replies.map((r) => r.status))], [200], 'all 64 answered 200');
  t.equal(new Set(replies.map((r) => JSON.stringify(r.body.result))).size, 1, 'with one answer');
  t.equal((await vendorCalls()) - before, perRequest, 'the vendor saw one call');
});

t.test(`a burst across both replicas never exceeds ${LIMIT} calls a minute at the vendor`, async (t) => {
  t.equal((await connect(b, 'burst')).status, 201);
  const before = await vendorCalls();
  // 40 different requests (one day each, distinct days: no cache, no merging), half on each replica.
  const replies = await Promise.all(
    Array.from({ length: 40 }, (_, i) => {
      const day = (n: number) => new Date(Date.UTC(2025, 10, 1 + n)).toISOString().slice(0, 10);
      return usage(i % 2 ? a : b, 'burst', `start_date=${day(i)}&end_date=${day(i + 1)}&limit=1`);
    }),
  );
  const calls = (await vendorCalls()) - before;
  const ok = replies.filter((r) => r.status === 200).length;
  const limited = replies.filter((r) => r.status === 429 && r.body?.code === 'rate_limited');
  t.ok(calls <= LIMIT, `the vendor saw ${calls} calls (limit ${LIMIT} a minute)`);
  t.equal(calls, LIMIT, 'and the whole allowance was used');
  t.equal(ok + limited.length, replies.length, `${ok} answered, ${limited.length} were told to retry later`);
  t.ok(limited.length >= 40 - LIMIT, 'every request beyond the allowance is a 429');
});

t.test('Redis killed: both replicas answer 503, then recover by themselves', async (t) => {
  await redis.kill();
  for (const r of [a, b]) {
    const down = await usage(r, 'cc', 'start_date=2026-03-01&end_date=2026-03-08&limit=5');
    t.equal(down.status, 503, 'usage answers 503');
    t.equal(down.body.code, 'shared_state_unavailable');
    t.notMatch(down.text, /at .*\.[jt]s:\d+/, 'no stack trace');
    t.equal((await call(r.url, 'GET', '/readyz', undefined)).status, 503, 'and leaves the pool');
  }
  await redis.start();
  for (const r of [a, b]) {
    await eventually(
      'ready again',
      async () => (await call(r.url, 'GET', '/readyz', undefined)).status === 200,
    );
  }
  // This Redis keeps nothing on disk: the account is connected again, on A, and served by B.
  t.equal((await connect(a, 'cc')).status, 201);
  t.equal((await usage(b, 'cc', 'start_date=2026-03-01&end_date=2026-03-08&limit=5')).status, 200);
  for (const r of [a, b]) t.notMatch(r.output(), /unhandled error/, 'no internal errors were logged');
});
