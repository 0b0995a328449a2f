import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MockAgent } from 'undici';
import { startGateway } from '../helpers/gateway.js';
import { PROJECT_ROOT } from '../../src/runtime.js';
import { parse as parseYaml } from 'yaml';

/**
 * Every connectors/<slug>/fixtures/*.json case is replayed through the real gateway, with the
 * vendor answered by undici's MockAgent: a new vendor is tested by adding files, not test code.
 */
interface Fixture {
  description: string;
  account: { credentials: Record<string, string>; context?: Record<string, string> };
  query: string;
  upstream: {
    method: 'GET' | 'POST';
    path: string;
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  }[];
  expect: { status: number; body: unknown; absent?: string[] };
}

const connectorsDir = path.join(PROJECT_ROOT, 'connectors');
const slugs = (await readdir(connectorsDir, { withFileTypes: true }))
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
let cases = 0;
for (const slug of slugs) {
  const dir = path.join(connectorsDir, slug, 'fixtures');
  const files = await readdir(dir).catch(() => [] as string[]);
  const spec = parseYaml(await readFile(path.join(connectorsDir, slug, 'connector.yaml'), 'utf8'), {
    merge: true,
  }) as {
    base_url: string;
  };
  for (const file of files.filter((f) => f.endsWith('.json')).sort()) {
    cases++;
    t.test(`${slug}/${file}`, async (t) => {
      const fx = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Fixture;
      const agent = new MockAgent();
      agent.disableNetConnect();
      const origin = new URL(spec.base_url).origin;
      for (const u of fx.upstream) {
        agent
          .get(origin)
          .intercept({ path: u.path, method: u.method })
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
      for (const secret of fx.expect.absent ?? [])
        t.notOk(res.text.includes(secret), 'no secret in the answer');
      agent.assertNoPendingInterceptors();
    });
  }
}
t.ok(cases > 0, 'fixtures were found');
