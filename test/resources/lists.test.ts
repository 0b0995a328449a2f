/**
 * Products, organizations and workspaces, for every implemented connector that declares them:
 * each list answers from the emulator over loopback in every format, pages at limit=1 like usage
 * (signed cursors bound to the list), gets one record by id, and a list a connector lacks answers
 * 400 naming the integrations that have it.
 */
import t, { type Test } from 'tap';
import { Value } from '@sinclair/typebox/value';
import { LIST_NAMES, LIST_SCHEMAS, type ListName } from '../../src/schemas/lists.js';
import { listColumns } from '../../src/engine/lists.js';
import { ErrorEnvelope } from '../../src/errors.js';
import { TOKENS } from '../helpers/gateway.js';
import { forEachConnector, implementedConnectors, type Rig, type Row } from '../conformance/harness.js';

const cases = await implementedConnectors();
const withLists = cases.filter((c) => Object.keys(c.connector.spec.lists ?? {}).length > 0);

t.test('some connector declares lists', async (t) => {
  t.ok(withLists.length > 0);
});

const path = (list: string, account: string, qs = '') =>
  `/unified/usage-metering/${list}?integrated_account_id=${encodeURIComponent(account)}${qs ? `&${qs}` : ''}`;

async function listAll(
  rig: Rig,
  list: string,
  account: string,
  qs: string,
): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await rig.gw.call(
      'GET',
      path(list, account, `${qs}${cursor ? `&next_cursor=${encodeURIComponent(cursor)}` : ''}`),
    );
    if (res.status !== 200) throw new Error(`${list} page ${pages}: ${res.status} ${res.text.slice(0, 300)}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor && pages < 500);
  return { rows, pages };
}

/** The accounts of the rig that can read this list now, by their capabilities. */
async function accountsFor(rig: Rig, list: ListName): Promise<string[]> {
  const out: string[] = [];
  for (const a of rig.accounts) {
    const caps = await rig.gw.call('GET', `/integrated-accounts/${encodeURIComponent(a.id)}/capabilities`);
    if ((caps.body.supported_resources as string[]).includes(list)) out.push(a.id);
  }
  return out;
}

async function checkList(t: Test, rig: Rig, list: ListName, account: string): Promise<void> {
  const schema = LIST_SCHEMAS[list];
  const first = await rig.gw.call('GET', path(list, account));
  t.equal(first.status, 200, `${list}: ${first.text.slice(0, 200)}`);
  const rows = first.body.result as Row[];
  t.ok(rows.length > 0, 'the list has records');
  t.equal(first.body.result_count, rows.length);
  for (const row of rows)
    t.ok(Value.Check(schema, row), `valid ${schema.$id}: ${JSON.stringify(row).slice(0, 200)}`);
  const ids = rows.map((r) => r.id as string);
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  const again = await rig.gw.call('GET', path(list, account));
  t.same(
    (again.body.result as Row[]).map((r) => r.id),
    ids,
    'ids are stable across calls',
  );

  // Paging at limit=1: every record once, in order, one per page.
  const paged = await listAll(rig, list, account, 'limit=1');
  t.same(
    paged.rows.map((r) => r.id),
    ids,
    'paging at limit=1 gives every record once',
  );
  t.equal(paged.pages, ids.length, 'one record a page');

  // A cursor belongs to its list: another list (or another query) refuses it.
  if (ids.length > 1) {
    const page1 = await rig.gw.call('GET', path(list, account, 'limit=1'));
    const cursor = page1.body.next_cursor as string;
    t.type(cursor, 'string');
    const other = LIST_NAMES.find((l) => l !== list) as ListName;
    const misuse = await rig.gw.call(
      'GET',
      path(other, account, `limit=1&next_cursor=${encodeURIComponent(cursor)}`),
    );
    t.equal(misuse.status, 400, 'a cursor of another list is refused');
    t.match(misuse.body.code, /cursor/);
  }

  // normalized: the schema's columns, every one present, no remote_data.
  const norm = await rig.gw.call('GET', path(list, account, 'truto_response_format=normalized'));
  t.equal(norm.status, 200);
  for (const row of norm.body.result as Row[])
    t.same(Object.keys(row), listColumns(list), 'normalized columns');
  t.same(
    (norm.body.result as Row[]).map((r) => r.id),
    ids,
  );

  // raw: the vendor bodies (or the connector's records) untouched.
  const raw = await rig.gw.call('GET', path(list, account, 'truto_response_format=raw'));
  t.equal(raw.status, 200);
  t.ok(Array.isArray(raw.body.result) && raw.body.result.length > 0, 'raw bodies');

  // debug: the rows plus the call details.
  const debug = await rig.gw.call('GET', path(list, account, 'truto_response_format=debug'));
  t.equal(debug.status, 200);
  t.same(
    (debug.body.result as Row[]).map((r) => r.id),
    ids,
  );
  t.equal(debug.body.debug.resultCount, ids.length);

  // stream: NDJSON, every record.
  const stream = await rig.gw.runtime.app.inject({
    method: 'GET',
    url: path(list, account, 'truto_response_format=stream'),
    headers: { authorization: `Bearer ${TOKENS.acme}` },
  });
  t.equal(stream.statusCode, 200);
  t.match(String(stream.headers['content-type']), /application\/x-ndjson/);
  const lines = stream.body
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  t.same(
    lines.map((r) => r.id),
    ids,
    'stream gives every record',
  );

  // truto_* options.
  const keyed = await rig.gw.call('GET', path(list, account, 'truto_key_by=id'));
  t.same(Object.keys(keyed.body.result).sort(), [...ids].sort(), 'truto_key_by=id');
  const bare = await rig.gw.call(
    'GET',
    path(list, account, 'truto_ignore_remote_data=true&truto_exclude_fields=name'),
  );
  for (const row of bare.body.result as Row[]) {
    t.notOk('remote_data' in row, 'no remote_data');
    t.notOk('name' in row, 'name excluded');
  }

  // One record by id, in each format; an unknown id is a 404.
  const target = rows[rows.length - 1] as Row;
  const one = await rig.gw.call(
    'GET',
    `/unified/usage-metering/${list}/${encodeURIComponent(target.id)}?integrated_account_id=${encodeURIComponent(account)}`,
  );
  t.equal(one.status, 200);
  t.same(one.body, target, 'get by id gives the listed record');
  const oneNorm = await rig.gw.call(
    'GET',
    `/unified/usage-metering/${list}/${encodeURIComponent(target.id)}?integrated_account_id=${encodeURIComponent(account)}&truto_response_format=normalized`,
  );
  t.same(Object.keys(oneNorm.body), listColumns(list));
  const oneRaw = await rig.gw.call(
    'GET',
    `/unified/usage-metering/${list}/${encodeURIComponent(target.id)}?integrated_account_id=${encodeURIComponent(account)}&truto_response_format=raw`,
  );
  t.same(oneRaw.body, target.remote_data, 'raw get gives the vendor record');
  const missing = await rig.gw.call(
    'GET',
    `/unified/usage-metering/${list}/no-such-id-0?integrated_account_id=${encodeURIComponent(account)}`,
  );
  t.equal(missing.status, 404);
  t.ok(Value.Check(ErrorEnvelope, missing.body));
}

forEachConnector(withLists, async (t, rig) => {
  const declared = LIST_NAMES.filter((l) => rig.connector.spec.lists?.[l] !== undefined);
  for (const list of LIST_NAMES) {
    if (!declared.includes(list)) {
      t.test(`${list}: not available`, async (t) => {
        const account = rig.accounts[0]?.id as string;
        const res = await rig.gw.call('GET', path(list, account));
        t.equal(res.status, 400);
        t.ok(Value.Check(ErrorEnvelope, res.body));
        const can = cases.filter((c) => c.connector.spec.lists?.[list] !== undefined).map((c) => c.slug);
        t.same(res.body.details.integrations, can, 'names the integrations that have it');
        for (const slug of can) t.match(res.body.message, slug);
      });
      continue;
    }
    t.test(list, async (t) => {
      const accounts = await accountsFor(rig, list);
      t.ok(accounts.length > 0, 'some sandbox account can read it');
      for (const account of accounts) await t.test(account, (t) => checkList(t, rig, list, account));
    });
  }
  t.test('capabilities list the resources', async (t) => {
    const caps = await rig.gw.call(
      'GET',
      `/integrated-accounts/${encodeURIComponent(rig.accounts[0]?.id as string)}/capabilities`,
    );
    t.same(
      (caps.body.resources as Row[]).map((r) => r.resource),
      declared,
    );
  });
});
