/**
 * `max_age_days`: a vendor that serves only N days back from today has the caller's range narrowed
 * to what it has (like `min_date`), so a generous range never turns into the vendor's 400.
 */
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { clampToAvailable } from '../../src/engine/range.js';
import { Resource } from '../../src/schemas/connector.js';

const resource = (extra: Partial<Resource> = {}): Resource => ({
  method: 'GET',
  path: '/costs',
  credential: 'api_key',
  records_path: 'data',
  pagination: { type: 'none' },
  docs_url: 'https://vendor.test/docs',
  ...extra,
});
const d = (s: string) => new Date(s);
const NOW = d('2026-03-20T12:00:00Z');

t.test('a start older than max_age_days is moved to that many days before today', async (t) => {
  const r = clampToAvailable(
    { start: d('2025-01-01T00:00:00Z'), end: d('2026-03-01T00:00:00Z') },
    resource({ max_age_days: 365 }),
    NOW,
  );
  t.same(r, { start: d('2025-03-20T00:00:00Z'), end: d('2026-03-01T00:00:00Z') });
});

t.test('a start inside the age limit is kept; without the key nothing moves', async (t) => {
  const range = { start: d('2025-06-01T00:00:00Z'), end: d('2025-07-01T00:00:00Z') };
  t.same(clampToAvailable(range, resource({ max_age_days: 365 }), NOW), range);
  const old = { start: d('2024-01-01T00:00:00Z'), end: d('2024-02-01T00:00:00Z') };
  t.same(clampToAvailable(old, resource(), NOW), old);
});

t.test('a range entirely older than the limit becomes empty', async (t) => {
  const r = clampToAvailable(
    { start: d('2024-01-01T00:00:00Z'), end: d('2024-02-01T00:00:00Z') },
    resource({ max_age_days: 30 }),
    NOW,
  );
  t.equal(r.end.getTime(), r.start.getTime(), 'empty');
});

t.test('the schema takes a positive whole number of days', async (t) => {
  t.ok(Value.Check(Resource, resource({ max_age_days: 365 })));
  t.notOk(Value.Check(Resource, { ...resource(), max_age_days: 0 }));
  t.notOk(Value.Check(Resource, { ...resource(), max_age_days: 1.5 }));
});
