/**
 * A burst of 100 concurrent gateway requests on one Cursor team never makes Cursor count more
 * calls a minute than it allows: every answer is data or a clean 429 with Retry-After, and none
 * waits past the gateway's bounded wait.
 *
 * Fast without a tiny window: the connector's window is a minute (as Cursor counts), and once the
 * 20 admin calls of that minute are reserved the next slot is a minute away, longer than the
 * gateway's bounded wait, so the rest are refused at once instead of queueing. The test needs no
 * timing assertion and runs in seconds.
 */
import t from 'tap';
import { startGateway } from '../../test/helpers/gateway.js';
import { startCursorEmulator, SANDBOX_API_KEY, CURSOR_DEFAULTS } from './emulator/index.js';

const NOW = new Date('2026-03-20T12:00:00Z');

t.test('100 concurrent requests: within the per-minute limits, data or a clean 429', async (t) => {
  const emu = await startCursorEmulator({ now: NOW });
  const gw = await startGateway({ METERWAY_SANDBOX: 'true' }, { now: () => NOW });
  t.teardown(async () => {
    await gw.close();
    await emu.close();
  });
  // Two accounts on the same key: Cursor limits the team, so they share its window.
  for (const id of ['cur-a', 'cur-b']) {
    const res = await gw.call('POST', '/integrated-accounts', {
      body: {
        id,
        integration: 'cursor',
        credentials: { api_key: SANDBOX_API_KEY },
        context: { base_url: emu.url },
      },
    });
    t.equal(res.status, 201);
  }
  const day = (i: number) =>
    new Date(Date.parse('2026-01-01T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10);
  // 60 daily-usage requests (admin: 20 a minute) and 40 usage-event requests (60 a minute), each
  // for its own day so no two share a vendor call.
  const queries = Array.from({ length: 100 }, (_, i) =>
    i < 60
      ? `integrated_account_id=cur-${i % 2 ? 'a' : 'b'}&report_type=activity&date=${day(i)}`
      : `integrated_account_id=cur-${i % 2 ? 'a' : 'b'}&report_type=usage&date=${day(i)}`,
  );
  const answers = await Promise.all(queries.map((q) => gw.call('GET', `/unified/usage-metering/usage?${q}`)));

  const ok = answers.filter((a) => a.status === 200);
  const limited = answers.filter((a) => a.status === 429);
  t.equal(ok.length + limited.length, 100, 'every answer is data or a 429');
  t.ok(ok.length > 0, 'some answered with data');
  t.ok(limited.length > 0, 'the burst was more than the team may make in a minute');
  for (const a of limited) {
    t.equal(a.body.code, 'rate_limited');
    t.ok(Number(a.headers['retry-after']) > 0, 'Retry-After');
    t.notOk(a.body.truto_is_remote_error, 'refused by the gateway, not by Cursor');
  }
  t.ok(
    ok.every((a) => Array.isArray(a.body.result)),
    'data answers hold rows',
  );
  t.ok(
    emu.controls.busiestMinute('admin') <= (CURSOR_DEFAULTS.adminRateLimitPerMinute ?? 0),
    `admin calls in any minute: ${emu.controls.busiestMinute('admin')} ≤ 20`,
  );
  t.ok(
    emu.controls.busiestMinute('events') <= (CURSOR_DEFAULTS.eventsRateLimitPerMinute ?? 0),
    `usage-event calls in any minute: ${emu.controls.busiestMinute('events')} ≤ 60`,
  );
  t.equal(emu.controls.admitted.length, emu.controls.requests, 'Cursor never had to answer 429');
  t.ok(
    answers.filter((a, i) => i >= 60 && a.status === 200).length === 40,
    'usage events stayed within their own 60',
  );
});
