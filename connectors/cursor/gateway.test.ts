/**
 * The Cursor connector through the real gateway over loopback against the Cursor emulator: date
 * windows, paging, exact cents and cost reconciled with the usage events.
 */
import t from 'tap';
import { startGateway } from '../../test/helpers/gateway.js';
import { eventsBetween, startCursorEmulator, SANDBOX_API_KEY, MEMBERS } from './emulator/index.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const emu = await startCursorEmulator({ now: NOW });
// Sandbox mode lets an account aim at a loopback emulator.
const gw = await startGateway({ METERWAY_SANDBOX: 'true' }, { now: () => NOW });
t.teardown(async () => {
  await gw.close();
  await emu.close();
});
const created = await gw.call('POST', '/integrated-accounts', {
  body: {
    id: 'cur',
    integration: 'cursor',
    credentials: { api_key: SANDBOX_API_KEY },
    context: { base_url: emu.url },
  },
});
t.equal(created.status, 201, 'account created');
const usage = (qs: string) => gw.call('GET', `/unified/usage-metering/usage?integrated_account_id=cur&${qs}`);

/** Every row of a query, page by page. */
async function pageAll(qs: string): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const res = await usage(`${qs}${cursor ? `&next_cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`${res.status} ${res.text.slice(0, 300)}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
  } while (cursor);
  return rows;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are read freely
type Row = any;

/** Micro-dollars of a dollar amount written as the gateway wrote it (exact decimal text). */
function microDollars(amount: number): bigint {
  const [whole, frac = ''] = String(amount).split('.');
  if (frac.length > 6 || String(amount).includes('e')) throw new Error(`more than 6 decimals: ${amount}`);
  return BigInt(whole as string) * 1_000_000n + BigInt(frac.padEnd(6, '0')) * (amount < 0 ? -1n : 1n);
}

t.test('a 75-day activity range is three vendor calls, each user-day once', async (t) => {
  const res = await usage(
    'report_type=activity&start_date=2026-01-04&end_date=2026-03-20&limit=1000&truto_response_format=debug',
  );
  t.equal(res.status, 200, res.text.slice(0, 200));
  const daily = res.body.debug.calls.filter((c: Row) => c.url.includes('/teams/daily-usage-data'));
  t.equal(daily.length, 3, '30 + 30 + 15 days');
  t.equal(res.body.next_cursor, null, 'everything in one answer');
  const rows: Row[] = res.body.result;
  const keys = rows.map((r) => `${r.user.email}|${r.start_date}`);
  t.equal(new Set(keys).size, keys.length, 'no user-day twice');
  const days = new Set(rows.map((r) => r.start_date.slice(0, 10)));
  t.equal(days.size, 75, 'every day of the range');
  t.ok(
    [...days].every((d) => d >= '2026-01-04' && d < '2026-03-20'),
    'no day outside the range',
  );
  // Every member who belonged on a day has that day, and nobody else.
  const expected = MEMBERS.reduce(
    (n, m) => n + [...days].filter((d) => d >= m.joined && (!m.removed || d <= m.removed)).length,
    0,
  );
  t.equal(rows.length, expected, 'one row per member-day of membership');
  t.ok(
    rows.every((r) => typeof r.user.id === 'string' && r.user.id.startsWith('user_')),
    'ids from the members',
  );
});

t.test('usage pages the same rows with limit=1 and limit=1000', async (t) => {
  const qs = 'report_type=usage&date=2026-03-04&truto_ignore_remote_data=true';
  const one = await pageAll(`${qs}&limit=1`);
  const all = await pageAll(`${qs}&limit=1000`);
  t.ok(all.length > 20, `a busy day (${all.length} events)`);
  t.same(
    one.map((r) => r.id),
    all.map((r) => r.id),
    'same rows, same order',
  );
  t.equal(new Set(all.map((r) => r.id)).size, all.length, 'unique ids');
  const events = eventsBetween(
    Date.parse('2026-03-04T00:00:00Z'),
    Date.parse('2026-03-04T23:59:59.999Z'),
    NOW,
  );
  t.equal(all.length, events.length, 'every event of the day, none from the next');
});

t.test('exact cents, and cost reconciles with the usage events to the cent', async (t) => {
  const range = 'start_date=2026-02-20&end_date=2026-03-10&limit=1000&truto_ignore_remote_data=true';
  const events = eventsBetween(
    Date.parse('2026-02-20T00:00:00Z'),
    Date.parse('2026-03-09T23:59:59.999Z'),
    NOW,
  );
  // chargedMicro is micro-cents: micro-dollars × 100.
  const vendorMicroCents = events.reduce((s, e) => s + e.chargedMicro, 0n);
  const usageRows = await pageAll(`report_type=usage&${range}`);
  t.equal(usageRows.length, events.length, 'one usage row per event');
  const sumOf = (rows: Row[], type: string) =>
    rows.reduce(
      (s, r) =>
        s +
        (r.charges ?? [])
          .filter((c: Row) => c.type === type)
          .reduce((x: bigint, c: Row) => x + microDollars(c.amount), 0n),
      0n,
    );
  t.equal(sumOf(usageRows, 'total') * 100n, vendorMicroCents, 'usage: charged cents to dollars exactly');
  const costRows = await pageAll(`report_type=cost&${range}`);
  t.ok(costRows.length < usageRows.length, 'cost rows group the events');
  t.equal(sumOf(costRows, 'total') * 100n, vendorMicroCents, 'cost total = Σ chargedCents');
  t.equal(
    sumOf(costRows, 'usage_based') + sumOf(costRows, 'included'),
    sumOf(costRows, 'total'),
    'parts add up to the total',
  );
  // One event checked by hand: its chargedCents as written, moved two places.
  const first = events[0];
  const row = usageRows.find((r) => r.start_date === new Date(first!.ms).toISOString());
  t.equal(row.charges[0].amount, Number(`${first!.wire.chargedCents}e-2`), 'cents moved two places');
});
