import t from 'tap';
import { startClaudeRig } from '../helpers/claude.js';

// The faults every connector answers alike (429 with a short or long Retry-After, 5xx, timeouts,
// malformed JSON, a cursor loop) are checked for every connector in test/conformance/faults.test.ts.

const QS = 'report_type=activity&date=2026-03-04&limit=5';

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
