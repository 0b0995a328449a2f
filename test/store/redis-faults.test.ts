import t from 'tap';
import { startClaudeEmulator, SANDBOX_ADMIN_API_KEY } from '../../connectors/claude/emulator/index.js';
import { startGateway } from '../helpers/gateway.js';
import { NOW } from '../helpers/claude.js';
import { eventually, throwawayRedis } from './redis-support.js';
import { captureLines } from '../helpers/log-capture.js';

t.test('Redis down at start: not ready, a clear log line, 503s; ready once Redis answers', async (t) => {
  const redis = await throwawayRedis();
  t.teardown(() => redis.kill());
  const { stream, lines } = captureLines();
  const gw = await startGateway(
    { REDIS_URL: redis.url, LOG_LEVEL: 'info' },
    { logger: undefined, logStream: stream },
  );
  t.teardown(() => gw.close());

  const ready = await gw.call('GET', '/readyz', { tenant: null });
  t.equal(ready.status, 503);
  t.equal(ready.body.code, 'not_ready');
  t.match(ready.body.message, /Redis is not connected/);
  t.ok(
    lines.some((l) => /unreachable at start/.test(l) && l.includes(`127.0.0.1:${redis.port}`)),
    'one log line says Redis is unreachable and where',
  );
  const list = await gw.call('GET', '/integrated-accounts');
  t.equal(list.status, 503, 'a request that needs Redis answers 503');
  t.equal(list.body.code, 'shared_state_unavailable');
  t.equal(list.headers['retry-after'], '2');
  t.notMatch(list.text, /at .*\.ts:\d+/, 'no stack trace');

  await redis.start();
  await eventually('ready once Redis answers', async () => {
    return (await gw.call('GET', '/readyz', { tenant: null })).status === 200;
  });
  const created = await gw.call('POST', '/integrated-accounts', {
    body: {
      id: 'cc',
      integration: 'claude',
      name: 'N',
      credentials: { admin_api_key: SANDBOX_ADMIN_API_KEY },
    },
  });
  t.equal(created.status, 201, 'accounts are stored once Redis is back');
});

t.test('Redis lost while serving: 503 shared_state_unavailable, no hang, recovery by itself', async (t) => {
  const redis = await throwawayRedis();
  await redis.start();
  t.teardown(() => redis.kill());
  const emu = await startClaudeEmulator({ now: NOW, logger: false });
  t.teardown(() => emu.close());
  const { stream, lines } = captureLines();
  const gw = await startGateway(
    { REDIS_URL: redis.url, LOG_LEVEL: 'info', METERWAY_SANDBOX: 'true' },
    { logger: undefined, logStream: stream, now: () => NOW },
  );
  t.teardown(() => gw.close());
  const account = {
    id: 'cc',
    integration: 'claude',
    name: 'N',
    credentials: { admin_api_key: SANDBOX_ADMIN_API_KEY },
    context: { base_url: emu.url },
  };
  const created = await gw.call('POST', '/integrated-accounts', { body: account });
  t.equal(created.status, 201);
  const usage = (qs: string) =>
    gw.call('GET', `/unified/usage-metering/usage?integrated_account_id=cc&limit=5&${qs}`);
  const first = await usage('start_date=2026-03-01&end_date=2026-03-05');
  t.equal(first.status, 200, 'served while Redis is up');

  await redis.kill();
  // The same (cached) request and a new one: neither is served from this process's memory.
  for (const qs of [
    'start_date=2026-03-01&end_date=2026-03-05',
    'start_date=2026-02-01&end_date=2026-02-03',
  ]) {
    const down = await usage(qs);
    t.equal(down.status, 503, `${qs}: 503 while Redis is away`);
    t.equal(down.body.code, 'shared_state_unavailable');
    t.notMatch(down.text, /at .*\.ts:\d+/, 'no stack trace');
  }
  t.equal((await gw.call('GET', '/readyz', { tenant: null })).status, 503, 'the replica leaves the pool');
  await eventually('the loss is logged', async () =>
    lines.some((l) => /Redis connection to .* lost/.test(l)),
  );

  await redis.start();
  await eventually(
    'ready again',
    async () => (await gw.call('GET', '/readyz', { tenant: null })).status === 200,
  );
  // This Redis keeps nothing on disk: the account is stored again, as after any data loss.
  t.equal((await gw.call('POST', '/integrated-accounts', { body: account })).status, 201);
  const again = await usage('start_date=2026-02-01&end_date=2026-02-03');
  t.equal(again.status, 200, 'usage is served again');
  t.ok(
    lines.some((l) => /connected again/.test(l)),
    'the recovery is logged',
  );
  t.notOk(
    lines.some((l) => /unhandled error/.test(l)),
    'no request failed with an internal error',
  );
});
