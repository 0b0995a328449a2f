import t from 'tap';
import { compileMapping } from '../../src/mapping/compile.js';
import { TRANSFORMS } from '../../src/mapping/transforms.js';

/** `pick`: side-by-side vendor fields become one object (a map leaf such as usage.code.file_extensions). */
t.test('pick builds an object of the chosen sub-fields', async (t) => {
  const pick = TRANSFORMS.pick.fn;
  const args = { fields: { apply: 'applyExt', tab: 'tab.ext' } };
  t.same(pick({ applyExt: '.ts', tab: { ext: '.py' } }, args), { apply: '.ts', tab: '.py' });
  t.same(pick({ applyExt: '.ts', tab: null }, args), { apply: '.ts' }, 'null sub-fields are left out');
  t.equal(pick({ other: 1 }, args), null, 'none present: null');
  t.equal(pick('not an object', args), null);
  t.equal(pick(null, args), null);
});

t.test('pick in a mapping, from the whole record', async (t) => {
  const m = compileMapping(
    {
      description: 'pick test',
      rows: [
        {
          name: 'r',
          key: [{ path: 'id' }],
          fields: {
            'usage.code.file_extensions': {
              path: '$record',
              transform: { name: 'pick', args: { fields: { apply: 'applyExt', tab: 'tabExt' } } },
            },
          },
        },
      ],
    },
    'pick-test.yaml',
  );
  const ctx = { integration: 'vendor', accountId: 'a', reportType: 'activity' };
  const [row] = m.map({ id: 1, applyExt: '.tsx', tabExt: null }, ctx);
  t.same(row?.usage?.code?.file_extensions, { apply: '.tsx' });
  const [none] = m.map({ id: 2 }, ctx);
  t.equal(none?.usage?.code?.file_extensions ?? null, null, 'absent facts stay absent');
  t.throws(() =>
    compileMapping(
      {
        description: 'bad args',
        rows: [
          {
            name: 'r',
            key: [{ path: 'id' }],
            fields: {
              'usage.code.file_extensions': { path: '$record', transform: { name: 'pick', args: {} } },
            },
          },
        ],
      },
      'pick-bad.yaml',
    ),
  );
});
