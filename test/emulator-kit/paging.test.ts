/** Opaque tokens (round trip, foreign and tampered tokens) and the two paging families. */
import t from 'tap';
import { isOffset, numberedPage, pageBounds, tokenCodec } from '../../src/emulator-kit/index.js';

interface State {
  scope: string;
  offset: number;
}
const codec = tokenCodec<State>({
  prefix: 'tok_',
  toWire: ({ scope, offset }) => ({ s: scope, o: offset }),
  fromWire: ({ s, o }) => (typeof s === 'string' && isOffset(o) ? { scope: s, offset: o } : null),
});

t.test('tokens round-trip and reject what they did not mint', async (t) => {
  const token = codec.encode({ scope: 'day-1', offset: 40 });
  t.match(token, /^tok_[A-Za-z0-9_-]+$/, 'base64url by default');
  t.same(codec.decode(token), { scope: 'day-1', offset: 40 });
  t.equal(codec.decode(token.replace('tok_', 'pg_')), null, 'wrong prefix');
  t.equal(codec.decode(`${token}x`), null, 'trailing garbage the base64 decoder would ignore');
  t.equal(codec.decode('tok_'), null);
  t.equal(codec.decode(`tok_${Buffer.from('[1,2]').toString('base64url')}`), null, 'not an object');
  t.equal(
    codec.decode(`tok_${Buffer.from('{"s":"x","o":-1}').toString('base64url')}`),
    null,
    'invalid field',
  );
  t.equal(
    codec.decode(`tok_${Buffer.from('{"o":1,"s":"x"}').toString('base64url')}`),
    null,
    'other key order: not ours',
  );
  const std = tokenCodec<State>({
    prefix: 'p_',
    encoding: 'base64',
    toWire: (s) => ({ s: s.scope, o: s.offset }),
    fromWire: ({ s, o }) => (typeof s === 'string' && isOffset(o) ? { scope: s, offset: o } : null),
  });
  const t2 = std.encode({ scope: '??>>', offset: 1 });
  t.same(std.decode(t2), { scope: '??>>', offset: 1 });
  t.equal(
    codec.decode(t2.replace('p_', 'tok_')),
    null,
    'a standard-base64 token is foreign to a base64url codec',
  );
});

t.test('pageBounds: slices, next token, and the looping cursor', async (t) => {
  const mint = (o: number) => `at-${o}`;
  t.same(pageBounds(5, 0, 2, mint), { from: 0, to: 2, hasMore: true, nextPage: 'at-2' });
  t.same(pageBounds(5, 4, 2, mint), { from: 4, to: 5, hasMore: false, nextPage: null });
  t.same(pageBounds(5, 9, 2, mint), { from: 5, to: 5, hasMore: false, nextPage: null });
  t.same(pageBounds(5, 4, 2, mint, { on: true, incoming: 'same' }), {
    from: 4,
    to: 5,
    hasMore: true,
    nextPage: 'same',
  });
  t.same(pageBounds(5, 0, 2, mint, { on: true, incoming: undefined }), {
    from: 0,
    to: 2,
    hasMore: true,
    nextPage: 'at-2',
  });
});

t.test('numberedPage', async (t) => {
  t.same(numberedPage(45, 1, 20), {
    from: 0,
    to: 20,
    page: 1,
    pageSize: 20,
    totalItems: 45,
    totalPages: 3,
    hasNextPage: true,
  });
  t.same(numberedPage(45, 3, 20), {
    from: 40,
    to: 45,
    page: 3,
    pageSize: 20,
    totalItems: 45,
    totalPages: 3,
    hasNextPage: false,
  });
  t.same(numberedPage(45, 4, 20).from, 45, 'past the end is empty');
  t.same(numberedPage(0, 1, 20), {
    from: 0,
    to: 0,
    page: 1,
    pageSize: 20,
    totalItems: 0,
    totalPages: 0,
    hasNextPage: false,
  });
  t.throws(() => numberedPage(10, 0, 5), RangeError);
  t.throws(() => numberedPage(10, 1, 0), RangeError);
});
