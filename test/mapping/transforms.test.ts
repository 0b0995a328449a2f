import t from 'tap';
import { TRANSFORMS, applyTransform, parseInstant } from '../../src/mapping/transforms.js';

const T = (name: string, v: unknown, args: Record<string, unknown> = {}) => applyTransform(name, v, args);

t.test('the registry is what the README documents', async (t) => {
  t.same(Object.keys(TRANSFORMS).sort(), [
    'accept_rates',
    'add_days',
    'add_hours',
    'cents_to_major',
    'count_keys',
    'day_start',
    'decimal_to_number',
    'iso_datetime',
    'lowercase',
    'month_start',
    'negate',
    'nonzero_any',
    'pick',
    'positive',
    'to_number',
    'to_string',
    'uppercase',
  ]);
  t.throws(() => T('nope', 1), /unknown transform 'nope'/);
});

t.test('cents_to_major', async (t) => {
  t.equal(T('cents_to_major', '41280.000000'), 412.8);
  t.equal(T('cents_to_major', 97), 0.97);
  t.equal(T('cents_to_major', '0.1'), 0.001);
  t.equal(T('cents_to_major', 186), 1.86);
  t.equal(T('cents_to_major', 0), 0);
  t.equal(T('cents_to_major', null), null);
  t.equal(T('cents_to_major', undefined), null);
  t.equal(T('cents_to_major', 'n/a'), null);
});

t.test('decimal_to_number and to_number', async (t) => {
  t.equal(T('decimal_to_number', '2315.250000'), 2315.25);
  t.equal(T('decimal_to_number', '1e-3'), 0.001);
  t.equal(T('decimal_to_number', 7), 7);
  t.equal(T('decimal_to_number', true), null);
  t.equal(T('decimal_to_number', '12abc'), null);
  t.equal(T('decimal_to_number', null), null);
  t.equal(T('to_number', ' 42 '), 42);
  t.equal(T('to_number', true), 1);
  t.equal(T('to_number', false), 0);
  t.equal(T('to_number', ''), null, 'empty is absent, not 0');
  t.equal(T('to_number', {}), null);
  t.equal(T('to_number', NaN), null);
});

t.test('negate', async (t) => {
  t.equal(T('negate', 5), -5);
  t.equal(T('negate', '-2890.000000'), 2890);
  t.equal(T('negate', 0), 0);
  t.ok(Object.is(T('negate', 0), 0), 'no -0');
  t.equal(T('negate', null), null);
  t.equal(T('negate', 'x'), null);
});

t.test('lowercase, uppercase, to_string', async (t) => {
  t.equal(T('lowercase', 'Dana@Example.ORG'), 'dana@example.org');
  t.equal(T('uppercase', 'usd'), 'USD');
  t.equal(T('lowercase', 12), '12');
  t.equal(T('lowercase', null), null);
  t.equal(T('uppercase', {}), null);
  t.equal(T('to_string', 12.5), '12.5');
  t.equal(T('to_string', false), 'false');
  t.equal(T('to_string', 'x'), 'x');
  t.equal(T('to_string', { a: 1 }), '{"a":1}');
  t.equal(T('to_string', null), null);
});

t.test('iso_datetime', async (t) => {
  t.equal(T('iso_datetime', '2026-03-04T00:00:00Z'), '2026-03-04T00:00:00.000Z');
  t.equal(T('iso_datetime', '2026-03-04'), '2026-03-04T00:00:00.000Z');
  t.equal(T('iso_datetime', '2026-03-04 13:14:15'), '2026-03-04T13:14:15.000Z');
  t.equal(T('iso_datetime', '2026-03-04T13:14:15.5+02:00'), '2026-03-04T11:14:15.500Z');
  t.equal(T('iso_datetime', '2026-03-04t01:00:00-05:30'), '2026-03-04T06:30:00.000Z');
  t.equal(T('iso_datetime', 1772582400), '2026-03-04T00:00:00.000Z');
  t.equal(T('iso_datetime', '1772582400'), '2026-03-04T00:00:00.000Z');
  t.equal(T('iso_datetime', 1772582400123, { unit: 'ms' }), '2026-03-04T00:00:00.123Z');
  t.equal(T('iso_datetime', '0042-01-01'), '0042-01-01T00:00:00.000Z', 'two-digit years are not 19xx');
  t.equal(T('iso_datetime', new Date(Date.UTC(2026, 2, 4, 5))), '2026-03-04T05:00:00.000Z', 'a Date');
  t.equal(T('iso_datetime', new Date(NaN)), null);
  for (const bad of ['2026-02-30', '2026-13-01', '2026-03-04T25:00:00Z', 'yesterday', '', null, {}, NaN]) {
    t.equal(T('iso_datetime', bad), null, `rejects ${String(bad)}`);
  }
  t.equal(parseInstant('2026-03-04T00:00:00Z'), Date.UTC(2026, 2, 4));
});

t.test('day_start, add_days, add_hours', async (t) => {
  t.equal(T('day_start', '2026-03-04T23:59:59.999Z'), '2026-03-04T00:00:00.000Z');
  t.equal(T('day_start', '2026-03-04T01:00:00+02:00'), '2026-03-03T00:00:00.000Z');
  t.equal(T('day_start', '1969-12-31T12:00:00Z'), '1969-12-31T00:00:00.000Z', 'negative epochs floor down');
  t.equal(T('day_start', null), null);
  t.equal(T('add_days', '2026-03-04T00:00:00Z', { days: 1 }), '2026-03-05T00:00:00.000Z');
  t.equal(T('add_days', '2026-02-28', { days: 1 }), '2026-03-01T00:00:00.000Z');
  t.equal(T('add_days', '2026-03-01', { days: -1 }), '2026-02-28T00:00:00.000Z');
  t.equal(T('add_days', 'bad', { days: 1 }), null);
  t.equal(T('add_hours', '2026-03-04T23:00:00Z', { hours: 2 }), '2026-03-05T01:00:00.000Z');
  t.equal(T('add_hours', 1772582400, { hours: -1 }), '2026-03-03T23:00:00.000Z');
});

t.test('positive', async (t) => {
  t.equal(T('positive', 3), true);
  t.equal(T('positive', 0), false);
  t.equal(T('positive', -1), false);
  t.equal(T('positive', '0.5'), true);
  t.equal(T('positive', null), null);
  t.equal(T('positive', 'x'), null);
});

t.test('accept_rates', async (t) => {
  t.same(
    T('accept_rates', {
      edit_tool: { accepted: 14, rejected: 2 },
      write_tool: { accepted: 3, rejected: 0 },
      notebook_edit_tool: { accepted: 0, rejected: 0 },
    }),
    {
      edit_tool: { accepted: 14, rejected: 2, acceptance_rate: 0.875 },
      write_tool: { accepted: 3, rejected: 0, acceptance_rate: 1 },
      notebook_edit_tool: { accepted: 0, rejected: 0, acceptance_rate: null },
    },
  );
  t.same(T('accept_rates', {}), {});
  t.same(T('accept_rates', { x: { accepted: 1 } }), {
    x: { accepted: 1, rejected: null, acceptance_rate: null },
  });
  t.same(
    T(
      'accept_rates',
      { e: { accepted_count: 3, rejected_count: 1, extra: 'k' } },
      {
        accepted: 'accepted_count',
        rejected: 'rejected_count',
      },
    ),
    { e: { accepted: 3, rejected: 1, extra: 'k', acceptance_rate: 0.75 } },
    'args name the source fields; output uses the unified names',
  );
  t.equal(T('accept_rates', null), null);
  t.equal(T('accept_rates', [1]), null);
  const out = T('accept_rates', JSON.parse('{"__proto__": {"accepted": 1, "rejected": 1}}')) as object;
  t.equal(Object.getPrototypeOf(out), Object.prototype, 'a __proto__ key stays data');
  t.same(Object.keys(out), ['__proto__']);
});

t.test('count_keys and nonzero_any', async (t) => {
  t.equal(T('count_keys', { a: 1, b: 2 }), 2);
  t.equal(T('count_keys', {}), 0);
  t.equal(T('count_keys', [1, 2, 3]), 3);
  t.equal(T('count_keys', 'abc'), null);
  t.equal(T('count_keys', null), null);
  t.equal(T('nonzero_any', [0, 0, 2]), true);
  t.equal(T('nonzero_any', [0, null, 0]), false);
  t.equal(T('nonzero_any', [null, null]), null);
  t.equal(T('nonzero_any', { a: { b: 0 }, c: [0, 1] }), true);
  t.equal(T('nonzero_any', { a: { b: 0 }, c: 5 }, { fields: ['a.b'] }), false);
  t.equal(T('nonzero_any', { a: { b: 0 }, c: 5 }, { fields: ['a.b', 'c'] }), true);
  t.equal(T('nonzero_any', 0), false);
  t.equal(T('nonzero_any', null), null);
});
