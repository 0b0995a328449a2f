/**
 * Claude Code usage report emulator over real loopback HTTP. The clock is pinned so the 90-day
 * horizon (2025-12-15 .. 2026-03-14) and every day's data are fixed.
 */
import t from 'tap';
import {
  CLAUDE_CODE_REPORT_PATH,
  DEFAULT_KNOBS,
  NORTHWIND_ORG,
  SANDBOX_ADMIN_API_KEY,
  claudeCodeHorizonDays,
  claudeCodeRecordsForDay,
  dataHorizon,
  emulator,
  encodePageToken,
  generateClaudeCodeDay,
  startClaudeEmulator,
  type ClaudeCodeRecord,
  type ClaudeCodeReportPage,
  type RunningClaudeEmulator,
} from './index.js';

const NOW = new Date('2026-03-15T12:00:00Z');
const VALID_HEADERS: Record<string, string> = {
  'x-api-key': SANDBOX_ADMIN_API_KEY,
  'anthropic-version': '2023-06-01',
};

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

async function getReport(
  base: string,
  params: Record<string, string>,
  headers: Record<string, string> = VALID_HEADERS,
): Promise<Reply> {
  const url = new URL(CLAUDE_CODE_REPORT_PATH, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function getPage(base: string, params: Record<string, string>): Promise<ClaudeCodeReportPage> {
  const reply = await getReport(base, params);
  if (reply.status !== 200) throw new Error(`expected 200, got ${reply.status}: ${reply.text}`);
  return JSON.parse(reply.text) as ClaudeCodeReportPage;
}

async function postJson(base: string, path: string, body: unknown): Promise<Reply> {
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Follows next_page until the end (bounded so a bug cannot hang the suite). */
async function allRecords(base: string, day: string, limit: number): Promise<ClaudeCodeRecord[]> {
  const out: ClaudeCodeRecord[] = [];
  let page: string | null = null;
  for (let i = 0; i < 5000; i++) {
    const params: Record<string, string> = { starting_at: day, limit: String(limit) };
    if (page !== null) params.page = page;
    const body = await getPage(base, params);
    out.push(...body.data);
    if (!body.has_more) {
      if (body.next_page !== null) throw new Error('has_more false but next_page set');
      return out;
    }
    page = body.next_page;
  }
  throw new Error('paging did not terminate');
}

/** The assertions used below; subtests and the root TAP object both provide them. */
type Asserts = Pick<typeof t, 'equal' | 'match' | 'type'>;

function assertAnthropicError(t: Asserts, reply: Reply, status: number, type: string): void {
  t.equal(reply.status, status, `status ${status}`);
  t.match(reply.headers.get('content-type') ?? '', /application\/json/);
  const body = JSON.parse(reply.text) as {
    type: string;
    error: { type: string; message: string };
    request_id: string;
  };
  t.equal(body.type, 'error');
  t.equal(body.error.type, type);
  t.type(body.error.message, 'string');
  t.match(body.request_id, /^req_01[0-9A-Za-z]{22}$/);
  t.equal(reply.headers.get('request-id'), body.request_id, 'request-id header matches body');
}

const horizonDays = claudeCodeHorizonDays(NOW);
// Both picked away from the horizon's edges, so a clock a few days later still serves them.
const innerDays = horizonDays.slice(10);
const busyDay = innerDays.reduce((best, d) =>
  claudeCodeRecordsForDay(d, NOW).length > claudeCodeRecordsForDay(best, NOW).length ? d : best,
);
const otherDay =
  innerDays.find((d) => d !== busyDay && claudeCodeRecordsForDay(d, NOW).length > 0) ?? busyDay;

let em: RunningClaudeEmulator;
t.before(async () => {
  em = await startClaudeEmulator({ now: NOW });
});
t.teardown(() => em.close());
t.beforeEach(() => em.controls.reset());

t.test('auth and headers', async (t) => {
  const params = { starting_at: busyDay };
  assertAnthropicError(
    t,
    await getReport(em.url, params, { 'anthropic-version': '2023-06-01' }),
    401,
    'authentication_error',
  );
  assertAnthropicError(
    t,
    await getReport(em.url, params, {
      'x-api-key': 'sk-ant-admin01-wrong',
      'anthropic-version': '2023-06-01',
    }),
    401,
    'authentication_error',
  );
  assertAnthropicError(
    t,
    await getReport(em.url, params, { 'x-api-key': SANDBOX_ADMIN_API_KEY }),
    400,
    'invalid_request_error',
  );
  const ok = await getReport(em.url, params);
  t.equal(ok.status, 200);
  t.match(ok.headers.get('request-id') ?? '', /^req_01/);
  t.notOk(ok.headers.get('retry-after'), 'no invented rate-limit headers');
  t.notOk(ok.headers.get('anthropic-ratelimit-requests-limit'));

  const custom = await startClaudeEmulator({ now: NOW, adminApiKey: 'sk-ant-admin01-custom' });
  t.teardown(() => custom.close());
  t.equal(custom.adminApiKey, 'sk-ant-admin01-custom');
  t.equal((await getReport(custom.url, params)).status, 401, 'sandbox key is not accepted by a custom key');
  const withCustom = await getReport(custom.url, params, {
    'x-api-key': 'sk-ant-admin01-custom',
    'anthropic-version': '2023-06-01',
  });
  t.equal(withCustom.status, 200);
});

t.test('query validation', async (t) => {
  const invalid: Record<string, string>[] = [
    {},
    { starting_at: '2026-3-4' },
    { starting_at: '2026-03-04T00:00:00Z' },
    { starting_at: '2026-02-30' },
    { starting_at: busyDay, limit: '0' },
    { starting_at: busyDay, limit: '1001' },
    { starting_at: busyDay, limit: 'ten' },
    { starting_at: busyDay, limit: '1.5' },
    { starting_at: busyDay, limit: '-1' },
  ];
  for (const params of invalid) {
    assertAnthropicError(t, await getReport(em.url, params), 400, 'invalid_request_error');
  }
  const dup = await fetch(
    `${em.url}${CLAUDE_CODE_REPORT_PATH}?starting_at=${busyDay}&starting_at=${otherDay}`,
    { headers: VALID_HEADERS },
  );
  t.equal(dup.status, 400, 'repeated starting_at is rejected');
  await dup.text();

  const max = await getPage(em.url, { starting_at: busyDay, limit: '1000' });
  const withUnknown = await getReport(em.url, {
    starting_at: busyDay,
    limit: '1000',
    foo: 'bar',
    ending_at: 'x',
  });
  t.equal(withUnknown.status, 200, 'unknown params are ignored');
  t.equal(withUnknown.text, JSON.stringify(max));

  const defaults = await getPage(em.url, { starting_at: busyDay });
  t.equal(defaults.data.length, 20, 'default limit is 20');
  t.equal(defaults.has_more, true);
  t.match(defaults.next_page, /^page_/);
});

t.test('paging: limit=1 and limit=1000 give the same records in the same order', async (t) => {
  const all = claudeCodeRecordsForDay(busyDay, NOW);
  t.ok(all.length > 20, `busy day ${busyDay} has ${all.length} records`);
  const byOne = await allRecords(em.url, busyDay, 1);
  const byThousand = await getPage(em.url, { starting_at: busyDay, limit: '1000' });
  t.equal(byThousand.has_more, false);
  t.equal(byThousand.next_page, null);
  t.same(byOne, byThousand.data);
  t.same(byThousand.data, all);
  const byseven = await allRecords(em.url, busyDay, 7);
  t.same(byseven, all, 'odd page size too');
  const keys = byOne.map((r) => `${JSON.stringify(r.actor)}|${r.is_remote}`);
  t.equal(new Set(keys).size, keys.length, 'no duplicate (actor, is_remote) records');
});

t.test('bad and foreign page tokens', async (t) => {
  const first = await getPage(em.url, { starting_at: busyDay, limit: '3' });
  const token = first.next_page;
  if (token === null) throw new Error('expected a next page');
  const ok = await getReport(em.url, { starting_at: busyDay, limit: '3', page: token });
  t.equal(ok.status, 200);
  const forged = `page_${Buffer.from(JSON.stringify({ d: busyDay, o: -1 })).toString('base64')}`;
  for (const page of [
    'garbage',
    'page_',
    'page_!!!notbase64',
    `page_${Buffer.from('not json').toString('base64')}`,
    forged,
    `${token}x`,
    '',
  ]) {
    assertAnthropicError(
      t,
      await getReport(em.url, { starting_at: busyDay, page }),
      400,
      'invalid_request_error',
    );
  }
  assertAnthropicError(
    t,
    await getReport(em.url, { starting_at: otherDay, page: token }),
    400,
    'invalid_request_error',
  );
  t.equal(encodePageToken(busyDay, 3), token, 'tokens are minted deterministically');
});

t.test('determinism across calls and instances', async (t) => {
  const second = await startClaudeEmulator({ now: NOW });
  // A later clock that still covers these days must serve the same bytes: data is a function of the day.
  const later = await startClaudeEmulator({ now: new Date('2026-03-20T03:00:00Z') });
  t.teardown(async () => {
    await second.close();
    await later.close();
  });
  const queries: Record<string, string>[] = [
    { starting_at: busyDay },
    { starting_at: otherDay, limit: '1000' },
    { starting_at: busyDay, limit: '5', page: encodePageToken(busyDay, 5) },
  ];
  for (const params of queries) {
    const a = await getReport(em.url, params);
    const b = await getReport(em.url, params);
    const c = await getReport(second.url, params);
    const d = await getReport(later.url, params);
    t.equal(a.status, 200);
    t.equal(a.text, b.text, 'same instance, same bytes');
    t.equal(a.text, c.text, 'second instance, same bytes');
    t.equal(a.text, d.text, 'later clock, same bytes');
  }
  t.same(claudeCodeRecordsForDay(busyDay, NOW), claudeCodeRecordsForDay(busyDay, NOW));
});

t.test('horizon: empty days exist, future and too-old days are empty', async (t) => {
  const { first, last } = dataHorizon(NOW);
  t.equal(first, '2025-12-15');
  t.equal(last, '2026-03-14');
  t.equal(horizonDays.length, 90);
  const emptyDays = horizonDays.filter((d) => claudeCodeRecordsForDay(d, NOW).length === 0);
  t.ok(emptyDays.length >= 3 && emptyDays.length < 30, `${emptyDays.length} empty days in the horizon`);
  const emptyDay = emptyDays[0];
  if (emptyDay === undefined) throw new Error('no empty day');
  t.same(await getPage(em.url, { starting_at: emptyDay }), { data: [], has_more: false, next_page: null });

  for (const day of ['2026-03-15', '2026-03-16', '2027-01-01', '2025-12-14', '2020-01-01']) {
    t.same(await getPage(em.url, { starting_at: day }), { data: [], has_more: false, next_page: null }, day);
  }
  // "Today" is empty at NOW but served in full once the clock has moved past it.
  t.same(claudeCodeRecordsForDay('2026-03-15', NOW), []);
  t.same(
    claudeCodeRecordsForDay('2026-03-15', new Date('2026-03-20T00:00:00Z')),
    generateClaudeCodeDay('2026-03-15'),
  );

  // A movable clock: the same day has data, then falls out of the horizon (and the page cache).
  let clock = NOW;
  const moving = await startClaudeEmulator({ now: () => clock });
  t.teardown(() => moving.close());
  const before = await getPage(moving.url, { starting_at: first, limit: '1000' });
  t.same(before.data, claudeCodeRecordsForDay(first, NOW));
  clock = new Date('2026-03-16T00:00:01Z');
  const after = await getPage(moving.url, { starting_at: first, limit: '1000' });
  t.same(after.data, [], 'day left the horizon');
});

t.test('record shape, remote/local twins, org facts', async (t) => {
  const all = horizonDays.flatMap((d) => claudeCodeRecordsForDay(d, NOW));
  t.ok(all.length > 500);
  for (const r of all) {
    if (
      r.organization_id !== NORTHWIND_ORG.id ||
      !/^\d{4}-\d{2}-\d{2}T00:00:00Z$/.test(r.date) ||
      !r.model_breakdown.every(
        (m) => Number.isInteger(m.estimated_cost.amount) && m.estimated_cost.currency === 'USD',
      )
    ) {
      t.fail(`bad record ${JSON.stringify(r)}`);
    }
  }
  t.ok(all.some((r) => r.actor.type === 'api_actor'));
  t.ok(
    all.some((r) => r.actor.type === 'user_actor' && /[A-Z]/.test(r.actor.email_address)),
    'mixed-case email',
  );
  t.ok(
    all.some((r) => r.model_breakdown.length === 0),
    'some empty model_breakdown',
  );
  t.ok(
    all.some((r) => Object.keys(r.tool_actions).length === 0),
    'some empty tool_actions',
  );
  t.ok(
    all.some((r) => r.model_breakdown.length > 1),
    'some multi-model records',
  );
  t.ok(all.some((r) => r.customer_type === 'subscription' && r.subscription_type === 'enterprise'));
  t.ok(all.some((r) => r.customer_type === 'api' && r.subscription_type === null));
  const models = new Set(all.flatMap((r) => r.model_breakdown.map((m) => m.model)));
  t.ok(
    models.has('claude-opus-4-8') &&
      models.has('claude-sonnet-4-5-20250929') &&
      models.has('claude-haiku-4-5-20251001'),
  );

  // Some actor has two records on one day, one remote and one local, and they come back over HTTP.
  const twinDay = horizonDays.find((d) => {
    const recs = claudeCodeRecordsForDay(d, NOW);
    return recs.some(
      (r) =>
        r.is_remote && recs.some((o) => !o.is_remote && JSON.stringify(o.actor) === JSON.stringify(r.actor)),
    );
  });
  if (twinDay === undefined) throw new Error('no remote/local twin day');
  const served = await getPage(em.url, { starting_at: twinDay, limit: '1000' });
  const byActor = new Map<string, ClaudeCodeRecord[]>();
  for (const r of served.data) {
    const key = JSON.stringify(r.actor);
    byActor.set(key, [...(byActor.get(key) ?? []), r]);
  }
  const twins = [...byActor.values()].filter((recs) => recs.length === 2);
  t.ok(twins.length > 0, `twins on ${twinDay}`);
  for (const recs of twins) t.same(recs.map((r) => r.is_remote).sort(), [false, true]);
});

t.test('fault knobs via in-process controls', async (t) => {
  const params = { starting_at: busyDay };

  em.controls.set({ fail429: 2, retryAfterSeconds: 7 });
  for (let i = 0; i < 2; i++) {
    const r = await getReport(em.url, params);
    assertAnthropicError(t, r, 429, 'rate_limit_error');
    t.equal(r.headers.get('retry-after'), '7');
  }
  t.equal((await getReport(em.url, params)).status, 200, 'recovers after N');

  em.controls.fail429 = 1;
  em.controls.retryAfterSeconds = null;
  const noRetry = await getReport(em.url, params);
  assertAnthropicError(t, noRetry, 429, 'rate_limit_error');
  t.equal(noRetry.headers.get('retry-after'), null, 'no retry-after (spend-cap style)');

  em.controls.fail5xx = 3;
  assertAnthropicError(t, await getReport(em.url, params), 500, 'api_error');
  assertAnthropicError(t, await getReport(em.url, params), 529, 'overloaded_error');
  assertAnthropicError(t, await getReport(em.url, params), 500, 'api_error');
  t.equal((await getReport(em.url, params)).status, 200);

  em.controls.fail429 = 1;
  assertAnthropicError(
    t,
    await getReport(em.url, params, { 'anthropic-version': '2023-06-01' }),
    401,
    'authentication_error',
  );
  t.equal(em.controls.fail429, 1, 'an unauthenticated request does not consume a queued fault');
  em.controls.reset();

  em.controls.delayMs = 200;
  const started = Date.now();
  t.equal((await getReport(em.url, params)).status, 200);
  t.ok(Date.now() - started >= 190, 'delayed');
  em.controls.delayMs = 0;

  const good = await getReport(em.url, params);
  em.controls.malformed = 1;
  const bad = await getReport(em.url, params);
  t.equal(bad.status, 200);
  t.match(bad.headers.get('content-type') ?? '', /application\/json/);
  t.throws(() => JSON.parse(bad.text), 'truncated JSON');
  t.ok(good.text.startsWith(bad.text), 'a prefix of the real body');
  t.equal((await getReport(em.url, params)).text, good.text, 'next response is whole again');

  em.controls.loopCursor = true;
  let page = await getPage(em.url, { starting_at: busyDay, limit: '5' });
  const token = page.next_page;
  t.match(token, /^page_/);
  for (let i = 0; i < 3; i++) {
    page = await getPage(em.url, { starting_at: busyDay, limit: '5', page: String(token) });
    t.equal(page.has_more, true);
    t.equal(page.next_page, token, 'cursor never advances');
  }
  const emptyDay = horizonDays.find((d) => claudeCodeRecordsForDay(d, NOW).length === 0) ?? '2020-01-01';
  const loopEmpty = await getPage(em.url, { starting_at: emptyDay });
  t.equal(loopEmpty.has_more, true, 'loops even on an empty day');
  em.controls.loopCursor = false;
  t.equal((await getPage(em.url, { starting_at: emptyDay })).has_more, false);
});

t.test('fault knobs via HTTP control routes', async (t) => {
  const params = { starting_at: busyDay };
  const set = async (body: unknown): Promise<Reply> => postJson(em.url, '/__emulator/controls', body);

  t.equal((await set({ fail429: 1, retryAfterSeconds: 3 })).status, 200);
  const r429 = await getReport(em.url, params);
  assertAnthropicError(t, r429, 429, 'rate_limit_error');
  t.equal(r429.headers.get('retry-after'), '3');

  await set({ fail429: 1, retryAfterSeconds: null });
  const r429b = await getReport(em.url, params);
  assertAnthropicError(t, r429b, 429, 'rate_limit_error');
  t.equal(r429b.headers.get('retry-after'), null);

  await set({ fail5xx: 2 });
  assertAnthropicError(t, await getReport(em.url, params), 500, 'api_error');
  assertAnthropicError(t, await getReport(em.url, params), 529, 'overloaded_error');

  await set({ delayMs: 150 });
  const started = Date.now();
  t.equal((await getReport(em.url, params)).status, 200);
  t.ok(Date.now() - started >= 140, 'delayed');

  const snapshot = await set({ delayMs: 0, malformed: 1 });
  t.same(JSON.parse(snapshot.text), {
    ...DEFAULT_KNOBS,
    retryAfterSeconds: null,
    malformed: 1,
    requests: em.controls.requests,
  });
  const bad = await getReport(em.url, params);
  t.equal(bad.status, 200);
  t.throws(() => JSON.parse(bad.text));

  await set({ loopCursor: true });
  const p1 = await getPage(em.url, { ...params, limit: '2' });
  const p2 = await getPage(em.url, { ...params, limit: '2', page: String(p1.next_page) });
  t.equal(p2.next_page, p1.next_page);
  t.equal(p2.has_more, true);

  await set({ fail429: 5, fail5xx: 5, malformed: 5 });
  const reset = await fetch(new URL('/__emulator/reset', em.url), { method: 'POST' });
  t.equal(reset.status, 200);
  t.same(await reset.json(), { ...DEFAULT_KNOBS, requests: 0 });
  const clean = await getPage(em.url, { ...params, limit: '1000' });
  t.equal(clean.has_more, false, 'loopCursor cleared');
  const emptyJsonReset = await postJson(em.url, '/__emulator/reset', '');
  t.equal(emptyJsonReset.status, 200, 'empty JSON body is fine');

  for (const body of [{ fail429: -1 }, { delayMs: 1.5 }, { loopCursor: 'yes' }, { bogus: 1 }, [1], '{nope']) {
    assertAnthropicError(t, await set(body), 400, 'invalid_request_error');
  }

  const current = await fetch(new URL('/__emulator/controls', em.url));
  t.same(await current.json(), em.controls.snapshot());
});

t.test('stats counter counts report requests only', async (t) => {
  t.equal(em.controls.requests, 0);
  await getReport(em.url, { starting_at: busyDay });
  await getReport(em.url, { starting_at: busyDay }, {});
  await getReport(em.url, { starting_at: 'bad' });
  await postJson(em.url, '/__emulator/controls', {});
  const stats = await fetch(new URL('/__emulator/stats', em.url));
  t.same(await stats.json(), { requests: 3 });
  t.equal(em.controls.requests, 3);
  const notFound = await fetch(new URL('/v1/organizations/nope', em.url), { headers: VALID_HEADERS });
  t.equal(notFound.status, 404);
  t.equal(((await notFound.json()) as { error: { type: string } }).error.type, 'not_found_error');
  t.equal(em.controls.requests, 3);
});

t.test('sandbox launcher entry point', async (t) => {
  const running = await emulator.start({ host: '127.0.0.1', port: 0 });
  t.teardown(() => running.close());
  t.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const stats = await fetch(`${running.url}/__emulator/stats`);
  t.same(await stats.json(), { requests: 0 });
  // Real clock: yesterday is inside the horizon, so it answers 200 (possibly an empty day).
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  t.equal((await getReport(running.url, { starting_at: yesterday })).status, 200);
});
