/** The query reader: array styles, bounds, enums, days, instants, vendor messages, fingerprints. */
import t, { type Test } from 'tap';
import { EmulatorError, QueryReader, type RawQuery } from '../../src/emulator-kit/index.js';

function rejects(
  t: Pick<Test, 'fail' | 'ok' | 'equal' | 'match'>,
  fn: () => unknown,
  message: string | RegExp,
): void {
  try {
    fn();
    t.fail('expected a 400');
  } catch (error) {
    t.ok(error instanceof EmulatorError, 'an EmulatorError');
    const e = error as EmulatorError;
    t.equal(e.status, 400);
    t.equal(e.kind, 'invalid_request');
    if (typeof message === 'string') t.equal(e.message, message);
    else t.match(e.message, message);
  }
}

t.test('array styles', async (t) => {
  const raw: RawQuery = { 'a[]': ['x', 'y'], a: 'z', 'b[1]': 'second', 'b[0]': 'first', c: 'p,q' };
  t.same(new QueryReader(raw).many('a'), ['x', 'y', 'z'], 'default: brackets then repeat');
  t.same(new QueryReader(raw, { arrays: ['brackets'] }).many('a'), ['x', 'y']);
  t.same(new QueryReader(raw, { arrays: ['indexed'] }).many('b'), ['first', 'second'], 'index order wins');
  t.same(new QueryReader(raw, { arrays: ['comma'] }).many('c'), ['p', 'q']);
  t.same(new QueryReader({ c: ['p,q', 'r'] }, { arrays: ['repeat', 'comma'] }).many('c'), ['p', 'q', 'r']);
  t.same(new QueryReader({}).many('a'), []);
  rejects(t, () => new QueryReader({ a: ['1', '2', '3'] }).many('a', 2), 'a accepts at most 2 values');
});

t.test('scalars, ints, bools, choices, enums', async (t) => {
  const q = new QueryReader({
    n: '7',
    big: '70',
    neg: '-1',
    word: 'x',
    dup: ['1', '2'],
    flag: 'true',
    no: 'false',
    bad: 'yes',
    mode: 'fast',
    list: ['a', 'z'],
  });
  t.equal(q.int('n', { min: 1, max: 10, fallback: 3 }), 7);
  t.equal(q.int('absent', { min: 1, max: 10, fallback: 3 }), 3);
  rejects(t, () => q.int('big', { min: 1, max: 10, fallback: 3 }), 'big must be at most 10');
  rejects(t, () => q.int('neg', { min: 1, max: 10, fallback: 3 }), 'neg must be an integer');
  rejects(t, () => q.int('word', { min: 1, max: 10, fallback: 3 }), 'word must be an integer');
  rejects(t, () => q.one('dup'), 'dup may be given only once');
  rejects(t, () => q.required('absent'), 'absent is required');
  t.equal(q.bool('flag', false), true);
  t.equal(q.bool('no', true), false);
  t.equal(q.bool('absent', true), true);
  rejects(t, () => q.bool('bad', false), 'bad must be true or false');
  t.equal(q.choice('mode', ['fast', 'slow'], 'slow'), 'fast');
  t.equal(q.choice('absent', ['fast', 'slow'], 'slow'), 'slow');
  rejects(t, () => q.choice('word', ['fast', 'slow'], 'slow'), /'x' is not one of fast, slow/);
  rejects(t, () => q.enumList('list', ['a', 'b']), /'z' is not one of a, b/);
  t.same(new QueryReader({ 'list[]': ['a', 'b'] }).enumList('list', ['a', 'b']), ['a', 'b']);
});

t.test('days and instants', async (t) => {
  const q = new QueryReader({
    d: '2026-03-01',
    bad: '2026-02-30',
    i: '2026-03-01T01:02:03+01:00',
    bare: '2026-03-01',
    late: '2026-03-01T24:00:00Z',
  });
  t.equal(q.requiredDay('d'), '2026-03-01');
  t.equal(q.day('absent'), undefined);
  rejects(t, () => q.day('bad'), 'bad must be a date in YYYY-MM-DD format');
  rejects(t, () => q.requiredDay('absent'), 'absent is required');
  t.equal(q.instant('i'), Date.parse('2026-03-01T00:02:03Z'));
  t.equal(q.instant('absent'), null);
  rejects(t, () => q.instant('bare'), /RFC 3339/);
  rejects(t, () => q.instant('late'), /RFC 3339/);
  rejects(t, () => q.requiredInstant('absent'), 'absent is required');
});

t.test('vendor messages replace the defaults', async (t) => {
  const q = new QueryReader(
    { n: '99' },
    { messages: { tooLarge: (name, max) => `${name}: Input should be less than or equal to ${max}` } },
  );
  rejects(
    t,
    () => q.int('n', { min: 1, max: 10, fallback: 1 }),
    'n: Input should be less than or equal to 10',
  );
  rejects(t, () => q.required('x'), 'x is required');
});

t.test('fingerprint: order-insensitive, bracket-insensitive, scoped, ignoring listed params', async (t) => {
  const a = new QueryReader({ x: '1', 'g[]': ['b', 'a'], page: 'p1' }).fingerprint(['page'], 's');
  t.equal(a, new QueryReader({ g: ['a', 'b'], x: '1', page: 'p2' }).fingerprint(['page'], 's'));
  t.not(a, new QueryReader({ x: '2', 'g[]': ['a', 'b'] }).fingerprint(['page'], 's'));
  t.not(a, new QueryReader({ x: '1', 'g[]': ['a', 'b'] }).fingerprint(['page'], 'other'));
  t.match(a, /^[0-9a-f]{16}$/);
});
