import t from 'tap';
import { compileMapping, MappingError, type MapContext } from '../../src/mapping/compile.js';
import { buildLookupTable, lookupTableKey } from '../../src/mapping/lookup-table.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const ctx: MapContext = { integration: 'cursor', accountId: 'acct_1', reportType: 'usage_events' };
const FILE = 'mappings/cursor/usage_events.yaml';

/** Cursor team members (GET /teams/members) and usage events whose email differs in case. */
const members = [
  { id: 1, email: 'Ann.Lee@Acme.io', name: 'Ann Lee', role: 'owner' },
  { id: 2, email: 'bob@acme.io', name: 'Bob', role: 'member' },
  { id: 3, name: 'No email' },
  { id: 4, email: null, name: 'Null email' },
  { id: 5, email: { nested: true }, name: 'Object email' },
];

t.test('buildLookupTable: keyed by a field, case-folded on request', async (t) => {
  const exact = buildLookupTable(members, 'email');
  t.same(
    [...exact.keys()],
    ['Ann.Lee@Acme.io', 'bob@acme.io'],
    'records without a string/number key are left out',
  );
  t.equal(exact.get('Ann.Lee@Acme.io'), members[0]);
  t.equal(exact.get('ann.lee@acme.io'), undefined);

  const folded = buildLookupTable(members, 'email', { ignoreCase: true });
  t.same([...folded.keys()], ['ann.lee@acme.io', 'bob@acme.io'], 'keys lowercased');
  t.equal(folded.get('ann.lee@acme.io'), members[0]);

  const byId = buildLookupTable(members, 'id');
  t.same([...byId.keys()], ['1', '2', '3', '4', '5'], 'numbers stored as their string');

  const nested = buildLookupTable(
    [
      { user: { 'e.mail': 'X@y.z' }, n: 1 },
      { user: { 'e.mail': 'x@Y.z' }, n: 2 },
      { user: null, n: 3 },
    ],
    ['user', 'e.mail'],
    { ignoreCase: true },
  );
  t.same([...nested.entries()], [['x@y.z', { user: { 'e.mail': 'x@Y.z' }, n: 2 }]], 'later records win');
  t.same(
    [...buildLookupTable([{ a: { b: 'k' } }], 'a.b').keys()],
    ['k'],
    'a dotted path reads nested fields',
  );
  t.equal(
    buildLookupTable([{ toString: 'k' }, Object.create({ k: 'inherited' })], 'k').size,
    0,
    'own fields only',
  );

  const paged = buildLookupTable([members[0]], 'email', { ignoreCase: true });
  const same = buildLookupTable([members[1]], 'email', { ignoreCase: true }, paged);
  t.equal(same, paged, 'extends the table it is given (page by page)');
  t.same([...paged.keys()], ['ann.lee@acme.io', 'bob@acme.io']);

  t.equal(lookupTableKey('MiXed', true), 'mixed');
  t.equal(lookupTableKey('MiXed', false), 'MiXed');
  t.equal(lookupTableKey(42, true), '42');
  t.equal(lookupTableKey(Number.NaN, false), null);
  t.equal(lookupTableKey(true, false), null);
  t.equal(lookupTableKey(null, true), null);
});

function mapping(ignoreCase: boolean | undefined) {
  const name: Record<string, unknown> = { lookup: 'members', key: { path: 'userEmail' }, field: 'name' };
  const role: Record<string, unknown> = { lookup: 'members', key: { path: 'userEmail' }, field: 'role' };
  if (ignoreCase !== undefined) {
    name.ignore_case = ignoreCase;
    role.ignore_case = ignoreCase;
  }
  return compileMapping(
    {
      description: 'usage events joined to team members on email',
      rows: [
        {
          name: 'event',
          key: [{ path: 'timestamp' }, { path: 'userEmail' }],
          fields: { 'user.email': { path: 'userEmail' }, 'user.name': name, metric_name: role },
        },
      ],
    },
    FILE,
  );
}

t.test('lookup with ignore_case: true compares the key case-insensitively', async (t) => {
  const m = mapping(true);
  const withTable = (table: ReadonlyMap<string, unknown>): MapContext => ({
    ...ctx,
    lookups: { members: table },
  });
  const folded = withTable(buildLookupTable(members, 'email', { ignoreCase: true }));
  const names = (c: MapContext, ...emails: unknown[]) =>
    emails.map((e) => (m.map({ timestamp: '1', userEmail: e }, c)[0] as Row).user?.name ?? null);
  t.same(
    names(
      folded,
      'ann.lee@acme.io',
      'ANN.LEE@ACME.IO',
      'Ann.Lee@Acme.io',
      'BOB@acme.io',
      'carol@acme.io',
      null,
      7,
    ),
    ['Ann Lee', 'Ann Lee', 'Ann Lee', 'Bob', null, null, null],
  );
  const [row] = m.map({ timestamp: '1', userEmail: 'ANN.LEE@acme.io' }, folded) as Row[];
  t.same(
    row.user,
    { email: 'ANN.LEE@acme.io', name: 'Ann Lee' },
    'the row keeps the email as the event had it',
  );
  t.equal(row.metric_name, 'owner');

  const plain = withTable(buildLookupTable(members, 'email'));
  t.same(
    names(plain, 'ANN.LEE@ACME.IO', 'bob@ACME.io', 'ann.lee@acme.io'),
    ['Ann Lee', 'Bob', 'Ann Lee'],
    'a table built case-sensitively is case-folded for the probe (once)',
  );
  t.same(names(withTable(new Map([['Ann@X.io', { name: 'from a plain Map' }]])), 'ann@x.IO'), [
    'from a plain Map',
  ]);
  t.same(names(ctx, 'ann.lee@acme.io'), [null], 'no tables: null');
  t.same(
    names({ ...ctx, lookups: { members: 'not a map' as unknown as Map<string, unknown> } }, 'bob@acme.io'),
    [null],
    'a table that is not a Map: null',
  );
  t.same(
    names(withTable(buildLookupTable(members, 'id', { ignoreCase: true })), 2),
    ['Bob'],
    'numbers probe as their string',
  );
});

t.test('lookup without ignore_case stays exact', async (t) => {
  for (const m of [mapping(undefined), mapping(false)]) {
    const folded = { ...ctx, lookups: { members: buildLookupTable(members, 'email', { ignoreCase: true }) } };
    const plain = { ...ctx, lookups: { members: buildLookupTable(members, 'email') } };
    const name = (c: MapContext, e: string) =>
      (m.map({ timestamp: '1', userEmail: e }, c)[0] as Row).user?.name ?? null;
    t.equal(name(plain, 'Ann.Lee@Acme.io'), 'Ann Lee');
    t.equal(name(plain, 'ann.lee@acme.io'), null, 'case differs: no match');
    t.equal(name(folded, 'Ann.Lee@Acme.io'), null, 'the probe is not lowercased');
    t.equal(name(folded, 'ann.lee@acme.io'), 'Ann Lee');
  }
});

t.test('ignore_case must be a boolean', async (t) => {
  t.throws(
    () =>
      compileMapping(
        {
          description: 'bad',
          rows: [
            {
              name: 'r',
              key: [{ const: 1 }],
              fields: { 'user.name': { lookup: 'members', key: { path: 'e' }, ignore_case: 'yes' } },
            },
          ],
        },
        FILE,
      ),
    new MappingError(FILE, '/rows/0/fields/user.name/ignore_case', 'ignore_case is true or false'),
  );
});
