/**
 * Conformance, for every implemented connector: paging at any limit yields the same rows once
 * each, in the same order; cursors are opaque, signed and tied to their query.
 */
import {
  forEachConnector,
  implementedConnectors,
  rangeQuery,
  supportedReports,
  type Row,
} from './harness.js';

const cases = await implementedConnectors();

forEachConnector(cases, async (t, rig) => {
  const range = rangeQuery(rig.spec);

  for (const account of rig.accounts) {
    const supported = await supportedReports(rig, account.id);

    t.test(`${account.id}: limit=1, 7 and 1000 yield the same rows, once each`, async (t) => {
      for (const report of supported) {
        const qs = `report_type=${report}&${range}`;
        const big = await rig.pageAll(account.id, `${qs}&limit=1000`);
        const small = await rig.pageAll(account.id, `${qs}&limit=1`);
        const mid = await rig.pageAll(account.id, `${qs}&limit=7`);
        const floor = rig.spec.more_rows_than?.[report] ?? 1;
        t.ok(big.rows.length > floor, `${report}: more than ${floor} rows to page through`);
        t.equal(small.pages, big.rows.length, `${report}: limit=1 gives one row a page and no empty page`);
        t.same(
          small.rows.map((r) => r.id),
          big.rows.map((r) => r.id),
          `${report}: limit=1 pages hold the same rows in the same order`,
        );
        t.same(
          mid.rows.map((r) => r.id),
          big.rows.map((r) => r.id),
          `${report}: limit=7 pages hold the same rows in the same order`,
        );
        t.equal(new Set(small.rows.map((r) => r.id)).size, small.rows.length, `${report}: no duplicates`);
      }
    });
  }

  t.test('cursors: tampering and reuse', async (t) => {
    const account = rig.spec.faults.account;
    const [report] = await supportedReports(rig, account);
    const { start_date: start, end_date: end } = rig.spec.range;
    const qs = `report_type=${report}&${range}`;
    const first = await rig.usage(account, `${qs}&limit=2`);
    const cursor = first.body.next_cursor as string;
    t.type(cursor, 'string');
    t.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'opaque base64url');

    const tampered = cursor.slice(0, 5) + (cursor[5] === 'A' ? 'B' : 'A') + cursor.slice(6);
    const bad = await rig.usage(account, `${qs}&limit=2&next_cursor=${tampered}`);
    t.equal(bad.status, 400);
    t.equal(bad.body.code, 'invalid_cursor');
    const garbage = await rig.usage(account, `${qs}&next_cursor=hello`);
    t.equal(garbage.body.code, 'invalid_cursor');

    const otherFilter = await rig.usage(account, `${qs}&limit=2&user_ids=someone&next_cursor=${cursor}`);
    t.equal(otherFilter.status, 400);
    t.equal(otherFilter.body.code, 'cursor_query_mismatch');
    const earlier = new Date(Date.parse(`${start}T00:00:00Z`) - 2 * 86_400_000).toISOString().slice(0, 10);
    const otherDates = await rig.usage(
      account,
      `report_type=${report}&start_date=${earlier}&end_date=${end}&next_cursor=${cursor}`,
    );
    t.equal(otherDates.body.code, 'cursor_query_mismatch');

    const otherLimit = await rig.usage(account, `${qs}&limit=5&cursor=${cursor}`);
    t.equal(otherLimit.status, 200, 'limit may change between pages; cursor is an alias');
    const all = await rig.usage(account, `${qs}&limit=1000`);
    t.same(
      otherLimit.body.result.map((r: Row) => r.id),
      all.body.result.slice(2, 7).map((r: Row) => r.id),
    );

    const otherTenant = await rig.usage(account, `${qs}&limit=2&next_cursor=${cursor}`, 'globex');
    t.equal(otherTenant.status, 404, 'another tenant cannot use the account, cursor or not');
  });
});
