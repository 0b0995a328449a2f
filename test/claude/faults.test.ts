import t from 'tap';
import { startClaudeRig, SANDBOX_ADMIN_API_KEY } from '../helpers/claude.js';

const QS = 'report_type=activity&date=2026-03-04&limit=5';

t.test('a 429 with a short Retry-After is retried and succeeds', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  rig.emu.controls.set({ fail429: 1, retryAfterSeconds: 1 });
  const res = await rig.usage(`${QS}&truto_response_format=debug`);
  t.equal(res.status, 200);
  t.equal(rig.emu.controls.requests, 2, 'one 429, one retry');
  t.same(
    res.body.debug.calls.map((c: { status: number }) => c.status),
    [429, 200],
  );
});

t.test('a 429 with a long Retry-After reaches the caller as 429 with Retry-After', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  rig.emu.controls.set({ fail429: 1, retryAfterSeconds: 120 });
  const res = await rig.usage(QS);
  t.equal(res.status, 429);
  t.equal(res.body.code, 'rate_limited');
  t.equal(res.headers['retry-after'], '120');
  t.equal(res.body.truto_is_remote_error, true);
  t.equal(res.body.raw_response.error.type, 'rate_limit_error');
  t.equal(rig.emu.controls.requests, 1, 'no pointless retry');
});

t.test('a 429 without Retry-After is retried with backoff, then passed on', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  rig.emu.controls.set({ fail429: 10, retryAfterSeconds: null });
  const res = await rig.usage(QS);
  t.equal(res.status, 429);
  t.ok(Number(res.headers['retry-after']) > 0, 'the caller still gets a Retry-After');
  t.equal(rig.emu.controls.requests, 3, 'bounded tries');
  t.match(res.body.message, /gave no time to wait/);

  rig.emu.controls.reset();
  rig.emu.controls.set({ fail429: 1, retryAfterSeconds: null });
  const ok = await rig.usage(QS);
  t.equal(ok.status, 200, 'one 429 without Retry-After is survived');
});

t.test('5xx is retried; persistent 5xx is a 502 with the vendor body', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  rig.emu.controls.set({ fail5xx: 2 });
  const ok = await rig.usage(QS);
  t.equal(ok.status, 200);
  t.equal(rig.emu.controls.requests, 3);

  rig.emu.controls.reset();
  rig.emu.controls.set({ fail5xx: 10 });
  const res = await rig.usage('report_type=activity&date=2026-03-05');
  t.equal(res.status, 502);
  t.equal(res.body.code, 'remote_error');
  t.equal(res.body.truto_is_remote_error, true);
  t.ok(res.body.raw_response.error.type);
  t.notOk(res.text.includes(SANDBOX_ADMIN_API_KEY));
});

t.test('a vendor that does not answer in time is a 504', async (t) => {
  const rig = await startClaudeRig({ METERWAY_UPSTREAM_TIMEOUT_MS: '200' });
  t.teardown(() => rig.close());
  rig.emu.controls.set({ delayMs: 1000 });
  const res = await rig.usage(QS);
  t.equal(res.status, 504);
  t.equal(res.body.code, 'remote_timeout');
  t.match(res.body.message, /did not answer in time/);
});

t.test('malformed vendor JSON is a clear 502 and nothing is kept', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  rig.emu.controls.set({ malformed: 1 });
  const res = await rig.usage(QS);
  t.equal(res.status, 502);
  t.equal(res.body.code, 'remote_malformed_response');
  t.same(Object.keys(res.body).sort(), [
    'code',
    'error',
    'message',
    'raw_response',
    'statusCode',
    'truto_is_remote_error',
  ]);
  const again = await rig.usage(QS);
  t.equal(again.status, 200, 'the bad answer was not cached');
  t.ok(again.body.result.length > 0);
});

t.test('a vendor cursor loop stops paging and says so', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  rig.emu.controls.set({ loopCursor: true });
  const res = await rig.usage(
    'report_type=user_usage&date=2026-03-04&limit=1000&truto_response_format=debug',
  );
  t.equal(res.status, 200);
  t.equal(res.body.debug.isLooping, true);
  t.ok(rig.emu.controls.requests < 10, 'stopped quickly');
});

t.test('the upstream budget ends a page early with is_partial_response', async (t) => {
  const rig = await startClaudeRig({ METERWAY_UPSTREAM_BUDGET: '2' });
  t.teardown(() => rig.close());
  const qs = 'report_type=user_usage&start_date=2026-03-02&end_date=2026-03-09&limit=1000';
  const first = await rig.usage(qs);
  t.equal(first.status, 200);
  t.equal(first.body.is_partial_response, true);
  t.type(first.body.next_cursor, 'string');
  const rows = [...first.body.result];
  let cursor = first.body.next_cursor;
  let pages = 1;
  while (cursor) {
    const res = await rig.usage(`${qs}&next_cursor=${cursor}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
    pages++;
  }
  t.ok(pages >= 4, 'seven days at two calls a request');
  const single = await startClaudeRig();
  t.teardown(() => single.close());
  const whole = await single.usage(qs);
  t.same(
    rows.map((r) => r.id),
    whole.body.result.map((r: { id: string }) => r.id),
    'partial pages lose nothing',
  );
});

t.test('a failure mid-stream ends with one error line', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  rig.emu.controls.set({ failAfterRequests: 25, retryAfterSeconds: null });
  const res = await rig.gw.runtime.app.inject({
    method: 'GET',
    url: '/unified/usage-metering/usage?integrated_account_id=cc&report_type=activity&start_date=2026-01-20&end_date=2026-03-10&truto_response_format=stream',
    headers: { authorization: 'Bearer acme-token-0123456789abcdef' },
  });
  t.equal(res.statusCode, 200);
  const lines = res.body
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  const last = lines[lines.length - 1];
  t.ok(lines.length > 100, 'rows came first');
  t.same(Object.keys(last), ['error']);
  t.equal(last.error.code, 'remote_error');
  t.ok(
    lines.slice(0, -1).every((l: { id?: string }) => typeof l.id === 'string'),
    'every other line is a row',
  );
});

t.test('identical concurrent requests make one upstream call', async (t) => {
  const rig = await startClaudeRig();
  t.teardown(() => rig.close());
  rig.emu.controls.set({ delayMs: 50 });
  const results = await Promise.all(
    Array.from({ length: 16 }, () => rig.usage('report_type=activity&date=2026-03-06&limit=3')),
  );
  t.ok(results.every((r) => r.status === 200));
  t.equal(rig.emu.controls.requests, 1, 'single-flight and cache');
});
