import t from 'tap';
import { rowJson, rowsJson } from '../../src/engine/row-json.js';
import type { UsageRow } from '../../src/schemas/usage.js';

const record = { actor: { email_address: 'a@example.com' }, 'odd "key".x': [1, 2.5, null, 'é\n'], n: 0 };

const rows = [
  { id: 'a', metric_name: 'm', remote_data: record },
  { id: 'b', metric_name: 'm', remote_data: [record, { other: true }] },
  { id: 'c', remote_data: null },
  { id: 'd' },
  { remote_data: record },
  { id: 'e', remote_data: record, surface: 'chat' },
  { id: 'f', remote_data: ['text', 3, null] },
  { id: 'g', usage: { cost: undefined }, remote_data: record },
] as unknown as UsageRow[];

t.test('rowJson writes exactly what JSON.stringify writes, twice over (memo hit)', async (t) => {
  for (const row of rows) {
    const expected = JSON.stringify(row);
    t.equal(rowJson(row), expected, `first: ${expected.slice(0, 40)}`);
    t.equal(rowJson(row), expected, 'second, from the memo');
    t.same(JSON.parse(rowJson(row)), JSON.parse(expected));
  }
  t.equal(rowsJson(rows), JSON.stringify(rows));
  t.equal(rowsJson([]), '[]');
});

t.test('rowJson leaves the row as it found it', async (t) => {
  const row = { id: 'x', remote_data: record } as unknown as UsageRow;
  rowJson(row);
  t.equal(row.remote_data, record);
  t.same(Object.keys(row), ['id', 'remote_data']);
});
