import t from 'tap';
import {
  canonicalKey,
  encodePart,
  rowId,
  rowIdExtend,
  rowIdFrom,
  rowIdOfCanonical,
  rowIdPrefix,
} from '../../src/mapping/row-id.js';

t.test('ids are deterministic, 28 hex digits, and pinned', async (t) => {
  const parts = [
    'claude',
    'acct_1',
    'activity',
    'actor_day',
    '2026-03-04T00:00:00.000Z',
    'user_actor',
    'dana@example.org',
  ];
  const id = rowId(parts);
  t.match(id, /^[0-9a-f]{28}$/);
  t.equal(rowId([...parts]), id);
  // Ids are stable forever once shipped: these values must never change.
  t.equal(id, '0b2dddb80881b50f84b94302c9a8');
  t.equal(rowId(['a', 1, null, true]), '149cf0c836493b02a50ec046bcf5');
});

t.test('the canonical encoding is unambiguous', async (t) => {
  t.equal(canonicalKey(['ab', 'c']), 's2:abs1:c');
  t.not(rowId(['ab', 'c']), rowId(['a', 'bc']));
  t.not(rowId(['a|b']), rowId(['a', 'b']));
  t.not(rowId(['1']), rowId([1]), 'types are part of the key');
  t.not(rowId([null]), rowId(['']));
  t.equal(rowId([undefined]), rowId([null]), 'undefined encodes as null');
  t.not(rowId([true]), rowId(['true']));
  t.equal(rowId([-0]), rowId([0]));
  t.equal(encodePart({ a: 1 }), 'j7:{"a":1}');
  t.not(rowId([]), rowId(['']));
});

t.test('prefix hashing and the fast path agree with the reference', async (t) => {
  const prefix = ['claude', 'acct', 'user_cost', 'actor_day_model'];
  const samples: unknown[][] = [
    [],
    ['x'],
    ['2026-03-04T00:00:00.000Z', 'api_actor', 'ci-bot-key', 'claude-opus-4-8'],
    ['é 漢字 😀', 12.5, -3, false, null, { nested: [1, 'two'] }],
    ['a'.repeat(12345)],
  ];
  for (const s of samples) {
    const ref = rowIdOfCanonical(canonicalKey([...prefix, ...s]));
    t.equal(rowIdFrom(rowIdPrefix(prefix), s), ref);
    t.equal(
      rowIdFrom(rowIdExtend(rowIdPrefix(prefix.slice(0, 2)), prefix.slice(2)), s),
      ref,
      'extend = prefix',
    );
    t.same(rowIdExtend(rowIdPrefix([]), [...prefix, ...s]), rowIdPrefix([...prefix, ...s]));
    t.equal(rowId([...prefix, ...s]), ref);
  }
});

t.test('different keys give different ids (no collisions in 200k near-identical keys)', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 200_000; i++)
    seen.add(rowId(['claude', 'acct', 'activity', 'actor_day', `user${i}@example.org`]));
  t.equal(seen.size, 200_000);
});
