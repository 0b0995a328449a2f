/**
 * Bounded property-based fuzzing of every route's input (fast-check, through app.inject): query
 * strings in every array/object style with random types, unicode, NULs, prototype keys, huge
 * values, bogus dates and cursors; account bodies with wrong types, extra fields, huge strings and
 * base URLs on undeclared hosts. Every answer is below 500, every error is the one envelope with a
 * stable code, and no body holds a stack trace or a file path. A failure prints the seed;
 * FUZZ_SEED=<seed> reproduces it.
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { ERROR_CODES, ErrorEnvelope } from '../../src/errors.js';
import { REPORT_TYPES, RESPONSE_FORMATS } from '../../src/schemas/usage-query.js';
import { implementedConnectors, startRig, type Rig } from '../conformance/harness.js';
import { startGateway, TOKENS, type TestGateway } from '../helpers/gateway.js';
import { PROJECT_ROOT } from '../../src/runtime.js';
import { tmpdir } from 'node:os';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 2 ** 31);
const QUERY_RUNS = 400;
const BODY_RUNS = 300;
t.comment(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} reproduces a run)`);

const cases = await implementedConnectors();
const first = cases.find((c) => c.spec);
if (!first) throw new Error('no implemented connector to fuzz against');
const rig: Rig = await startRig(first);
// Accounts are fuzzed on a gateway that is not in sandbox mode: loopback hosts are undeclared there.
const strict: TestGateway = await startGateway();
t.teardown(async () => {
  await rig.close();
  await strict.close();
});

/** A stack frame, a source file and line, or a path of this checkout or the machine's temp folder. */
const LEAK = new RegExp(
  [
    String.raw`\bat [\w.<>]+ \(`,
    'node_modules',
    escapeRegExp(PROJECT_ROOT),
    escapeRegExp(tmpdir()),
    String.raw`[\w-]+\.(ts|js):\d+`,
    'file://',
  ].join('|'),
);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The invariants of any answer; returns a problem, or undefined. */
function problem(res: {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
}): string | undefined {
  if (res.statusCode >= 500) return `status ${res.statusCode}: ${res.body.slice(0, 300)}`;
  if (LEAK.test(res.body)) return `a stack trace or path in the body: ${res.body.slice(0, 300)}`;
  if (res.statusCode >= 400) {
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      return `a non-JSON error: ${res.body.slice(0, 200)}`;
    }
    if (!Value.Check(ErrorEnvelope, body)) return `not the error envelope: ${res.body.slice(0, 300)}`;
    const env = body as { statusCode: number; code: string };
    if (env.statusCode !== res.statusCode) return `statusCode ${env.statusCode} on a ${res.statusCode}`;
    if (!(env.code in ERROR_CODES)) return `unknown code ${env.code}`;
  }
  return undefined;
}

// ---- query strings ----
const PARAMS = [
  'integrated_account_id',
  'truto_response_format',
  'truto_key_by',
  'truto_ignore_limit',
  'truto_ignore_remote_data',
  'truto_exclude_fields',
  'remote_query',
  'report_type',
  'start_date',
  'end_date',
  'product_ids',
  'user_ids',
  'model_ids',
  'surfaces',
  'group_by',
  'granularity',
  'sort_by',
  'sort_order',
  'include_deleted_users',
  'limit',
  'next_cursor',
  'cursor',
  'date',
  'user_id',
  'api_key_id',
  'page',
  'page_size',
];
const WEIRD_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '__proto__[polluted]',
  'constructor[prototype][x]',
  'hasOwnProperty',
  'toString',
  '',
  '[]',
  'a[b][c][d][e][f]',
  'x'.repeat(3000),
];

const realCursor = await (async () => {
  const acct = rig.accounts[0]!.id;
  const caps = await rig.gw.call('GET', `/integrated-accounts/${acct}/capabilities`);
  const report = caps.body.supported_report_types[0];
  const res = await rig.usage(
    acct,
    `report_type=${report}&start_date=${rig.spec.range.start_date}&end_date=${rig.spec.range.end_date}&limit=1`,
  );
  return (res.body?.next_cursor as string | null) ?? 'eyJ2IjoxfQ';
})();

const value = fc.oneof(
  fc.constantFrom(
    ...REPORT_TYPES,
    ...RESPONSE_FORMATS,
    'true',
    'false',
    '0',
    '-1',
    '1e309',
    'NaN',
    'null',
    'undefined',
    '[]',
    '{}',
  ),
  fc.constantFrom(
    '2026-02-30',
    '2026-13-01',
    '0000-00-00',
    '9999-12-31T99:99:99Z',
    '2026-03-04T00:00:00+25:00',
    '-271821-04-20',
    '2026-03-04T00:00:00.000000000001Z',
    '1e10',
  ),
  fc.constantFrom(
    realCursor,
    realCursor.slice(0, -3),
    `${realCursor}x`,
    realCursor.split('').reverse().join(''),
    '%%%',
    'a.b.c',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('\u0000', 'a\u0000b', '\uD800', '\uFFFF', '\u202E', '😀'.repeat(50)),
  fc.nat({ max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom(...rig.accounts.map((a) => a.id), 'unknown-account', 'globex-acct'),
);
const key = fc.oneof(
  fc.constantFrom(...PARAMS),
  fc.constantFrom(...WEIRD_KEYS),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
/** One parameter written in one of the styles clients use, with or without encoding. */
const pair = fc
  .tuple(
    key,
    fc.array(value, { minLength: 1, maxLength: 3 }),
    fc.constantFrom('plain', 'repeat', 'brackets', 'indexed', 'object', 'comma', 'raw'),
    fc.string({ maxLength: 6 }),
  )
  .map(([k, vs, style, sub]) => {
    const e = encodeURIComponent;
    const enc = (s: string) => {
      try {
        return e(s);
      } catch {
        return s.replace(/[^\w-]/g, '%ZZ'); // lone surrogates cannot be encoded: send broken escapes
      }
    };
    switch (style) {
      case 'repeat':
        return vs.map((v) => `${enc(k)}=${enc(v)}`).join('&');
      case 'brackets':
        return vs.map((v) => `${enc(k)}[]=${enc(v)}`).join('&');
      case 'indexed':
        return vs.map((v, i) => `${enc(k)}[${i}]=${enc(v)}`).join('&');
      case 'object':
        return vs.map((v) => `${enc(k)}[${enc(sub)}]=${enc(v)}`).join('&');
      case 'comma':
        return `${enc(k)}=${vs.map(enc).join(',')}`;
      case 'raw':
        return `${k}=${vs[0]!.replace(/[&#\s]/g, '')}%${sub.slice(0, 1)}`;
      default:
        return `${enc(k)}=${enc(vs[0]!)}`;
    }
  });
const withAccount = fc.oneof(
  fc.constant(''),
  fc.constantFrom(...rig.accounts.map((a) => `integrated_account_id=${a.id}&`)),
);
const query = fc.tuple(withAccount, fc.array(pair, { maxLength: 8 })).map(([a, ps]) => `${a}${ps.join('&')}`);

async function run(t: Test, name: string, prop: fc.IAsyncProperty<[unknown, ...unknown[]]>, numRuns: number) {
  const out = await fc.check(prop, { seed: SEED, numRuns, endOnFailure: true });
  if (out.failed) {
    const why = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    t.fail(
      `${name}: ${why.slice(0, 1500)}\n(seed ${SEED}, path ${out.counterexamplePath}; reproduce with FUZZ_SEED=${SEED})`,
    );
  } else t.pass(`${name}: ${out.numRuns} cases, seed ${SEED}`);
}

t.test('query strings on every GET route', async (t) => {
  const doc = await rig.gw.call('GET', '/openapi.json');
  const routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
    .filter(([, m]) => 'get' in m)
    .map(([p]) => p);
  t.ok(routes.length >= 5, `${routes.length} GET routes`);
  const pathId = fc.oneof(
    fc.constantFrom(...rig.accounts.map((a) => a.id)),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    fc.constantFrom('..', '%2e%2e', '__proto__', 'constructor', 'x'.repeat(500)),
  );
  const prop = fc.asyncProperty(
    fc.constantFrom(...routes),
    pathId,
    query,
    fc.constantFrom<keyof typeof TOKENS>('acme', 'globex'),
    async (route, id, qs, tenant) => {
      let enc: string;
      try {
        enc = encodeURIComponent(id);
      } catch {
        enc = 'bad%ZZid';
      }
      const res = await rig.gw.runtime.app.inject({
        method: 'GET',
        url: `${route.replace('{id}', enc)}?${qs}`,
        headers: { authorization: `Bearer ${TOKENS[tenant]}` },
      });
      const p = problem({ statusCode: res.statusCode, body: res.body, headers: res.headers });
      if (p) throw new Error(`${p}\n  on GET ${route.replace('{id}', enc)}?${qs.slice(0, 500)}`);
    },
  );
  await run(t, 'GET routes', prop, QUERY_RUNS);
});

// ---- account bodies ----
const slugs = cases.map((c) => c.slug);
const anyJson = fc.jsonValue({ maxDepth: 3 });
const host = fc.constantFrom(
  '127.0.0.1',
  'localhost',
  '[::1]',
  '0x7f000001',
  '2130706433',
  '0177.0.0.1',
  '127.1',
  '0.0.0.0',
  '[::ffff:127.0.0.1]',
  'LOCALHOST.',
  'localhost.localdomain',
  '169.254.169.254',
  'metadata.google.internal',
  '10.0.0.1',
  'api.anthropic.com.evil.example',
  'evil.example',
  'api.openai.com%2F@evil.example',
  'xn--80ak6aa92e.com',
);
const baseUrl = fc.oneof(
  host.map((h) => `http://${h}/`),
  host.map((h) => `https://${h}:443/v1`),
  host.map((h) => `https://api.anthropic.com@${h}/`),
  host.map((h) => `https://user:pass@${h}/`),
  fc.constantFrom(
    'file:///etc/passwd',
    'file://localhost/etc/passwd',
    'gopher://127.0.0.1:6379/_PING',
    'javascript:alert(1)',
    'data:text/plain,x',
    '//127.0.0.1',
    'http:\\\\127.0.0.1',
    'https://api.openai.com\\@127.0.0.1',
    'http://0/',
  ),
  fc.webUrl(),
);
const credentials = fc.oneof(
  fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        'api_key',
        'admin_api_key',
        'analytics_api_key',
        'application_key',
        'api_secret',
        '__proto__',
        'constructor',
      ),
      fc.string({ maxLength: 10 }),
    ),
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      anyJson,
      fc.nat({ max: 300_000 }).map((n) => 'k'.repeat(n)),
    ),
    { maxKeys: 4 },
  ),
  anyJson,
);
const context = fc.oneof(
  fc.record({ base_url: baseUrl }, { requiredKeys: [] }),
  fc.record(
    {
      site: fc.oneof(host, fc.constantFrom('datadoghq.eu', 'datadoghq.com')),
      codex_base_url: baseUrl,
      workspace_id: fc.string(),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 3 }),
  anyJson,
);
const accountBody = fc.record(
  {
    id: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('__proto__', 'constructor', 'x'.repeat(200)),
      anyJson,
    ),
    integration: fc.oneof(fc.constantFrom(...slugs), fc.string({ maxLength: 12 }), anyJson),
    name: fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.nat({ max: 300_000 }).map((n) => 'n'.repeat(n)),
      anyJson,
    ),
    credentials,
    context,
    status: fc.oneof(fc.constantFrom('active', 'needs_reauth', 'blocked', 'gone'), anyJson),
    mapping_overrides: anyJson,
    extra: anyJson,
    __proto__: anyJson,
  },
  { requiredKeys: [] },
);

/** An account that passes every rule but maybe its host: the base URL checks decide. */
const plausibleAccount = fc.constantFrom(...cases).chain((c) =>
  fc.record({
    integration: fc.constant(c.slug),
    credentials: fc.constant(
      Object.fromEntries(Object.keys(c.connector.spec.credentials).map((f) => [f, `${f}-0123456789abcdef`])),
    ),
    context: fc.oneof(
      baseUrl.map((base_url) => ({ base_url })),
      fc.constantFrom(...c.connector.spec.allowed_hosts).map((h) => ({ base_url: `https://${h}/` })),
    ),
  }),
);

t.test('account bodies: POST and PATCH', async (t) => {
  const allowed = new Map(cases.map((c) => [c.slug, c.connector.spec.allowed_hosts]));
  const target = await strict.call('POST', '/integrated-accounts', {
    body: { id: 'fuzz-target', integration: 'cursor', credentials: { api_key: 'k'.repeat(20) } },
  });
  t.equal(target.status, 201, 'a target account to patch');
  let created = 0;
  const prop = fc.asyncProperty(
    fc.oneof(accountBody, plausibleAccount),
    fc.boolean(),
    fc.constantFrom('json', 'text', 'broken'),
    async (body, patch, encoding) => {
      const payload =
        encoding === 'json'
          ? JSON.stringify(body)
          : encoding === 'text'
            ? `text ${JSON.stringify(body)}`
            : `${JSON.stringify(body)}`.slice(0, -1);
      const res = await strict.runtime.app.inject({
        method: patch ? 'PATCH' : 'POST',
        url: patch ? '/integrated-accounts/fuzz-target' : '/integrated-accounts',
        headers: {
          authorization: `Bearer ${TOKENS.acme}`,
          'content-type': encoding === 'text' ? 'text/plain' : 'application/json',
        },
        payload,
      });
      const p = problem({ statusCode: res.statusCode, body: res.body, headers: res.headers });
      if (p) throw new Error(`${p}\n  on ${patch ? 'PATCH' : 'POST'} ${payload.slice(0, 400)}`);
      if (res.statusCode < 300) {
        created++;
        const view = JSON.parse(res.body) as { integration: string; context: Record<string, string> };
        for (const [field, v] of Object.entries(view.context)) {
          if (field !== 'base_url' && !field.endsWith('_base_url')) continue;
          const url = new URL(v);
          if (url.username || url.password) throw new Error(`userinfo kept in ${field}: ${v}`);
          if (!(allowed.get(view.integration) ?? []).includes(url.hostname))
            throw new Error(`${field} on an undeclared host was saved: ${v}`);
        }
        if (!patch) {
          const id = (JSON.parse(res.body) as { id: string }).id;
          await strict.call('DELETE', `/integrated-accounts/${encodeURIComponent(id)}`);
        }
      }
    },
  );
  await run(t, 'account bodies', prop, BODY_RUNS);
  t.comment(`${created} bodies were accepted (each checked for its hosts)`);
  const after = await strict.call('GET', '/integrated-accounts/fuzz-target');
  t.equal(after.status, 200, 'the target account still reads');
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
});
