import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { MockAgent } from 'undici';
import { startGateway } from '../helpers/gateway.js';
import { PROJECT_ROOT } from '../../src/runtime.js';
import { ConnectorRegistry, type Connector } from '../../src/engine/registry.js';
import { fillBaseUrl } from '../../src/engine/request/templates.js';
import { contextDefaultsOf } from '../../src/engine/policy.js';
import { chooseProducts, usableSources } from '../../src/engine/sources.js';
import type { Account } from '../../src/schemas/account.js';

/**
 * Every connectors/<slug>/fixtures/*.json case is replayed through the real gateway, with the
 * vendor answered by undici's MockAgent: a new vendor is tested by adding files, not test code.
 * The vendor is reached where the account's context sends it (a templated base URL resolved);
 * a POST's JSON body must be the one the fixture expects; the answer's rows are all the rows the
 * fixture lists, none more; and every mapping of a connector is exercised by some fixture.
 */
interface Fixture {
  description: string;
  account: { credentials: Record<string, string>; context?: Record<string, string> };
  query: string;
  upstream: {
    method: 'GET' | 'POST';
    path: string;
    /** The JSON body the gateway must send (POST). */
    request_body?: unknown;
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  }[];
  expect: { status: number; body: unknown; absent?: string[] };
}

const connectorsDir = path.join(PROJECT_ROOT, 'connectors');
const registry = await ConnectorRegistry.load(connectorsDir);
let cases = 0;

for (const connector of registry.all()) {
  const slug = connector.spec.slug;
  const dir = path.join(connectorsDir, slug, 'fixtures');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const fixtures = await Promise.all(
    files.map(async (file) => ({
      file,
      fx: JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Fixture,
    })),
  );
  for (const { file, fx } of fixtures) {
    cases++;
    t.test(`${slug}/${file}`, async (t) => {
      const agent = new MockAgent();
      agent.disableNetConnect();
      const origin = originOf(connector, fx.account.context ?? {});
      for (const u of fx.upstream) {
        agent
          .get(origin)
          .intercept({
            path: u.path,
            method: u.method,
            ...(u.request_body === undefined
              ? {}
              : { body: (sent: string) => isDeepStrictEqual(JSON.parse(sent), u.request_body) }),
          })
          .reply(u.status, JSON.stringify(u.body), {
            headers: { 'content-type': 'application/json', ...(u.headers ?? {}) },
          });
      }
      const gw = await startGateway({}, { dispatcher: agent });
      t.teardown(() => gw.close());
      const created = await gw.call('POST', '/integrated-accounts', {
        body: {
          id: 'fx',
          integration: slug,
          credentials: fx.account.credentials,
          context: fx.account.context ?? {},
        },
      });
      t.equal(created.status, 201, 'account created');
      const res = await gw.call('GET', `/unified/usage-metering/usage?integrated_account_id=fx&${fx.query}`);
      t.equal(res.status, fx.expect.status, fx.description);
      t.has(res.body, fx.expect.body, fx.description);
      const expected = (fx.expect.body as { result?: unknown }).result;
      if (Array.isArray(expected)) {
        const got = (res.body as { result?: unknown[] }).result;
        t.equal(got?.length, expected.length, 'exactly the rows the fixture lists, none more');
      }
      for (const secret of fx.expect.absent ?? [])
        t.notOk(res.text.includes(secret), 'no secret in the answer');
      agent.assertNoPendingInterceptors();
    });
  }
  if (!connector.implemented) continue;
  t.test(`${slug}: every mapping is exercised by a fixture`, async (t) => {
    const used = new Set(fixtures.flatMap(({ fx }) => mappingsOf(connector, fx)));
    const files = (await readdir(path.join(PROJECT_ROOT, 'mappings', slug))).filter((f) =>
      f.endsWith('.yaml'),
    );
    const unused = files.map((f) => f.replace(/\.yaml$/, '')).filter((name) => !used.has(name));
    t.same(unused, [], `mappings/${slug}/ files without a fixture`);
  });
}
t.ok(cases > 0, 'fixtures were found');

/** Where the fixture's account sends the gateway: its base_url, else the connector's, templated. */
function originOf(connector: Connector, context: Record<string, string>): string {
  const account = { id: 'fx', context } as unknown as Account;
  const base =
    context.base_url ??
    fillBaseUrl(connector.spec.base_url, { account, contextDefaults: contextDefaultsOf(connector.spec) });
  return new URL(base).origin;
}

/** The mappings a fixture's request is served with, worked out as the engine chooses sources. */
function mappingsOf(connector: Connector, fx: Fixture): string[] {
  const q = new URLSearchParams(fx.query);
  const reportType =
    q.get('report_type') ?? (q.has('start_date') || q.has('end_date') ? 'usage' : 'activity');
  const report = connector.spec.reports?.[reportType];
  if (!report) return [];
  const account = { credentials: fx.account.credentials } as unknown as Account;
  let sources = usableSources(connector, report, account);
  if (sources.some((s) => s.product !== undefined)) {
    const products = q.getAll('product_ids').flatMap((v) => v.split(','));
    sources = chooseProducts(report, sources, products.length > 0 ? products : undefined, '', reportType);
  } else if (!sources.some((s) => s.period !== undefined)) {
    sources = sources.slice(0, 1);
  }
  return sources.map((s) => s.mapping ?? reportType);
}
