import t from 'tap';
import { compileMapping } from '../../src/mapping/compile.js';

const ctx = { integration: 'acme', accountId: 'a1', reportType: 'usage', lookups: {} };
const mapping = compileMapping(
  {
    description: 'buckets whose list is named results, or result in older answers',
    rows: [
      {
        name: 'line',
        each: { first_of: ['results', 'result'] },
        key: [{ path: 'start' }, { path: '$item.model' }],
        fields: { metric_name: { path: '$item.model' }, 'usage.quantity': { path: '$item.n' } },
      },
    ],
  },
  'first-of.yaml',
);

t.test(
  'each first_of: the first path holding a list gives the rows, and ids do not depend on its name',
  async (t) => {
    const current = mapping.map(
      { start: 's1', results: [{ model: 'm', n: 1 }], result: [{ model: 'x', n: 9 }] },
      ctx,
    );
    const older = mapping.map({ start: 's1', result: [{ model: 'm', n: 1 }] }, ctx);
    t.same(
      current.map((r) => r.metric_name),
      ['m'],
      'results wins when both are there',
    );
    t.same(
      older.map((r) => r.metric_name),
      ['m'],
    );
    t.equal(current[0]?.id, older[0]?.id, 'the same fact, the same id');
    t.same(
      mapping
        .map({ start: 's1', results: 'not a list', result: [{ model: 'z' }] }, ctx)
        .map((r) => r.metric_name),
      ['z'],
    );
    t.same(mapping.map({ start: 's1' }, ctx), [], 'no list: no rows');
  },
);

t.test('each first_of must be a non-empty list of paths, alone', async (t) => {
  const doc = (each: unknown) => ({
    description: 'x',
    rows: [{ name: 'r', each, key: [{ path: 'a' }], fields: { metric_name: { path: 'a' } } }],
  });
  t.throws(() => compileMapping(doc({ first_of: [] }), 'bad.yaml'), /first_of/);
  t.throws(() => compileMapping(doc({ first_of: ['a'], keys_of: 'b' }), 'bad.yaml'));
});
