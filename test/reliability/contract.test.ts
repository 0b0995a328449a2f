/**
 * Contract fixes, for every implemented connector: `normalized` rows are flat (every cell a
 * scalar or null, lists and objects as their JSON text, the same columns for every vendor), and a
 * vendor that refuses an account's credentials marks it `needs_reauth` until they change.
 */
import t from 'tap';
import { NORMALIZED_COLUMNS } from '../../src/engine/formats.js';
import { getPath } from '../../src/engine/path.js';
import {
  forEachConnector,
  implementedConnectors,
  rangeQuery,
  supportedReports,
  type Row,
} from '../conformance/harness.js';

const cases = await implementedConnectors();
/** Columns whose unified value was a list or an object somewhere, over every connector. */
const structuredSeen = new Set<string>();

forEachConnector(cases, async (t, rig) => {
  t.test('normalized rows are flat', async (t) => {
    const range = rangeQuery(rig.spec);
    for (const account of rig.accounts) {
      for (const report of await supportedReports(rig, account.id)) {
        const qs = `report_type=${report}&${range}&limit=50`;
        const what = `${account.id} ${report}`;
        const unified = await rig.usage(account.id, qs);
        const flat = await rig.usage(account.id, `${qs}&truto_response_format=normalized`);
        t.equal(flat.status, 200, what);
        t.equal(flat.body.result.length, unified.body.result.length, `${what}: one flat row per row`);
        flat.body.result.forEach((cells: Row, i: number) => {
          t.same(Object.keys(cells), NORMALIZED_COLUMNS, `${what}: the same columns as every vendor`);
          const row: Row = unified.body.result[i];
          for (const col of NORMALIZED_COLUMNS) {
            const cell = cells[col];
            const kind = cell === null ? 'null' : typeof cell;
            if (!['null', 'string', 'number', 'boolean'].includes(kind)) {
              t.fail(`${what}: ${col} is a ${Array.isArray(cell) ? 'list' : kind}`);
            }
            if (col.startsWith('charges.')) continue;
            const value = getPath(row, col);
            if (value !== null && typeof value === 'object') {
              structuredSeen.add(col);
              t.equal(cell, JSON.stringify(value), `${what}: ${col} is the JSON text of the value`);
              t.same(JSON.parse(cell as string), value, `${what}: ${col} reads back`);
            } else if (value === undefined || value === null) {
              if (cell !== null) t.fail(`${what}: absent ${col} is null`);
            } else if (cell !== value) t.fail(`${what}: ${col} is the row's value`);
          }
        });
      }
    }
  });

  t.test('a vendor refusing the credentials marks the account needs_reauth until they change', async (t) => {
    const like = rig.accounts[0]!;
    const view = await rig.gw.call('GET', `/integrated-accounts/${encodeURIComponent(like.id)}`);
    const id = `${like.id}-refused`;
    const wrong = Object.fromEntries(
      Object.keys(like.credentials).map((k) => [k, `refused-${k}-0123456789abcdef`]),
    );
    const created = await rig.gw.call('POST', '/integrated-accounts', {
      body: { id, integration: rig.slug, name: 'Refused', credentials: wrong, context: view.body.context },
    });
    t.equal(created.status, 201, created.text);
    const report = (await supportedReports(rig, like.id))[0]!;
    const qs = `report_type=${report}&${rangeQuery(rig.spec)}`;
    await rig.controls.reset();

    const refused = await rig.usage(id, qs);
    t.equal(refused.status, 503, refused.text.slice(0, 300));
    t.equal(refused.body.code, 'account_needs_reauth');
    t.equal(refused.body.truto_is_remote_error, true, 'the first refusal comes from the vendor');
    const marked = await rig.gw.call('GET', `/integrated-accounts/${id}`);
    t.equal(marked.body.status, 'needs_reauth', 'the account is marked in the store');
    const listed = await rig.gw.call('GET', '/integrated-accounts');
    t.equal(listed.body.result.find((a: Row) => a.id === id)?.status, 'needs_reauth', 'and in the list');

    const calls = await rig.controls.requests();
    const again = await rig.usage(id, qs);
    t.equal(again.status, 503);
    t.equal(again.body.code, 'account_needs_reauth');
    t.notOk(again.body.truto_is_remote_error, 'answered by the gateway');
    t.equal(await rig.controls.requests(), calls, 'the vendor is not called again');
    const stream = await rig.stream(id, qs);
    t.equal(stream.status, 503, 'a stream is refused before its first byte');

    const renamed = await rig.gw.call('PATCH', `/integrated-accounts/${id}`, {
      body: { name: 'Still refused' },
    });
    t.equal(renamed.body.status, 'needs_reauth', 'a patch without new credentials keeps it');
    const same = await rig.gw.call('PATCH', `/integrated-accounts/${id}`, {
      body: { credentials: { [Object.keys(wrong)[0]!]: Object.values(wrong)[0]! } },
    });
    t.equal(same.body.status, 'needs_reauth', 'the same credentials again keep it');

    const fixed = await rig.gw.call('PATCH', `/integrated-accounts/${id}`, {
      body: { credentials: like.credentials },
    });
    t.equal(fixed.status, 200, fixed.text);
    t.equal(fixed.body.status, 'active', 'new credentials make it active');
    const ok = await rig.usage(id, qs);
    t.equal(ok.status, 200, ok.text.slice(0, 300));
    t.equal((await rig.gw.call('GET', `/integrated-accounts/${id}`)).body.status, 'active');
  });
});

t.test('list and object values were met and flattened', async (t) => {
  t.ok(structuredSeen.size > 0, `structured columns seen: ${[...structuredSeen].join(', ')}`);
});
