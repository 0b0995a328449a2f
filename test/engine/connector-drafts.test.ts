/**
 * The draft connector files of vendors still to land (`connectors/<slug>/connector.draft.yaml`)
 * are written in the connector language as it stands: each validates against the schema, and the
 * requests it makes are the ones the vendor documents.
 */
import t from 'tap';
import { readFile, mkdtemp, mkdir, writeFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConnectorFile, ConnectorRegistry } from '../../src/engine/registry.js';
import { buildRequest } from '../../src/engine/request/build.js';
import { contextDefaultsOf } from '../../src/engine/policy.js';
import { pushDown } from '../../src/engine/pushdown.js';
import { toUsageRequest } from '../../src/engine/usage-request.js';
import { AccountRules } from '../../src/accounts.js';
import type { Account } from '../../src/schemas/account.js';
import type { ConnectorSpec, Resource } from '../../src/schemas/connector.js';

const ROOT = path.resolve(import.meta.dirname, '../../connectors');

async function draft(slug: string): Promise<{ text: string; spec: ConnectorSpec }> {
  const file = path.join(ROOT, slug, 'connector.draft.yaml');
  const text = await readFile(file, 'utf8');
  return { text, spec: parseConnectorFile(text, `connectors/${slug}/connector.draft.yaml`) };
}

function account(integration: string, credentials: Record<string, string>, context = {}): Account {
  return {
    id: 'a1',
    tenant: 't',
    integration,
    name: 'n',
    status: 'active',
    credentials,
    context,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

const WINDOW = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-03-02T00:00:00Z') };

t.test('every draft validates against the connector schema', async (t) => {
  const slugs = (await readdir(ROOT)).filter((s) => existsSync(path.join(ROOT, s, 'connector.draft.yaml')));
  t.ok(slugs.includes('cursor') && slugs.includes('datadog'), 'the Cursor and Datadog drafts are there');
  for (const slug of slugs) {
    const { spec } = await draft(slug);
    t.equal(spec.slug, slug);
    t.ok(Object.keys(spec.reports ?? {}).length > 0, `${slug} declares reports`);
  }
});

t.test(
  'Cursor: POST bodies in epoch ms with inclusive ends, page numbers in the body, Basic auth',
  async (t) => {
    const { spec } = await draft('cursor');
    const resource = spec.resources?.usage_events as Resource;
    const acc = account('cursor', { api_key: 'crsr_0123456789abcdef' });
    const req = toUsageRequest({
      integrated_account_id: 'a1',
      report_type: 'usage',
      user_id: 'dev@example.org',
    } as never);
    const built = buildRequest({
      spec,
      resource,
      account: acc,
      window: WINDOW,
      page: 3,
      remoteQuery: {},
      vendorParams: pushDown(resource, req, 'cursor'),
    });
    t.equal(built.method, 'POST');
    t.equal(built.url.toString(), 'https://api.cursor.com/teams/filtered-usage-events');
    t.equal(built.headers.authorization, `Basic ${Buffer.from('crsr_0123456789abcdef:').toString('base64')}`);
    t.same(JSON.parse(built.body ?? '{}'), {
      startDate: Date.parse('2026-03-01T00:00:00.000Z'),
      endDate: Date.parse('2026-03-01T23:59:59.999Z'),
      email: 'dev@example.org',
      pageSize: 1000,
      page: 3,
    });
    const daily = buildRequest({
      spec,
      resource: spec.resources?.daily_usage as Resource,
      account: acc,
      window: WINDOW,
      page: null,
      remoteQuery: {},
    });
    t.same(JSON.parse(daily.body ?? '{}'), {
      startDate: Date.parse('2026-03-01T00:00:00.000Z'),
      endDate: Date.parse('2026-03-02T00:00:00.000Z'),
      pageSize: 500,
      page: 1,
    });
  },
);

t.test('Datadog: site template with a default, two key headers, comma list, JSON:API paging', async (t) => {
  const { spec } = await draft('datadog');
  const resource = spec.resources?.hourly_usage as Resource;
  const keys = { api_key: 'dd-api-key-0123456789', application_key: 'dd-app-key-0123456789' };
  const req = toUsageRequest({
    integrated_account_id: 'a1',
    report_type: 'usage',
    product_ids: ['infra_hosts', 'logs'],
  } as never);
  const build = (context: Record<string, string>, page: string | null) =>
    buildRequest({
      spec,
      resource,
      account: account('datadog', keys, context),
      window: WINDOW,
      page,
      remoteQuery: {},
      vendorParams: pushDown(resource, req, 'datadog'),
      contextDefaults: contextDefaultsOf(spec),
    });
  const first = build({}, null);
  t.equal(first.url.origin, 'https://api.datadoghq.com', 'the default site');
  t.equal(first.url.searchParams.get('filter[timestamp][start]'), '2026-03-01T00');
  t.equal(first.url.searchParams.get('filter[timestamp][end]'), '2026-03-02T00');
  t.same(first.url.searchParams.getAll('filter[product_families]'), ['infra_hosts,logs']);
  t.equal(first.url.searchParams.get('page[limit]'), '500');
  t.equal(first.headers['DD-API-KEY'], keys.api_key);
  t.equal(first.headers['DD-APPLICATION-KEY'], keys.application_key);
  t.equal(first.headers.accept, 'application/json;datetime-format=rfc3339');
  const eu = build({ site: 'datadoghq.eu' }, 'c3VyZS1jdXJzb3I');
  t.equal(eu.url.origin, 'https://api.datadoghq.eu');
  t.equal(eu.url.searchParams.get('page[next_record_id]'), 'c3VyZS1jdXJzb3I');
  const all = buildRequest({
    spec,
    resource,
    account: account('datadog', keys),
    window: WINDOW,
    page: null,
    remoteQuery: {},
    vendorParams: pushDown(resource, toUsageRequest({ integrated_account_id: 'a1' } as never), 'datadog'),
    contextDefaults: contextDefaultsOf(spec),
  });
  t.equal(all.url.searchParams.get('filter[product_families]'), 'all', 'every family by default');
});

t.test('a Datadog site is checked against allowed_hosts when the account is saved', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterway-drafts-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'datadog'));
  await writeFile(path.join(dir, 'datadog', 'connector.yaml'), (await draft('datadog')).text);
  const rules = new AccountRules(await ConnectorRegistry.load(dir), {
    allowCustomHosts: false,
    allowLoopback: false,
  });
  const credentials = { api_key: 'dd-api-key-0123456789', application_key: 'dd-app-key-0123456789' };
  t.equal(
    rules.newAccount('t', { integration: 'datadog', credentials }).context.site,
    undefined,
    'no site: the default',
  );
  t.ok(rules.newAccount('t', { integration: 'datadog', credentials, context: { site: 'datadoghq.eu' } }));
  t.throws(
    () => rules.newAccount('t', { integration: 'datadog', credentials, context: { site: 'evil.example' } }),
    {
      code: 'host_not_allowed',
      details: { parameter: 'context.site' },
    },
  );
  t.throws(
    () =>
      rules.newAccount('t', {
        integration: 'datadog',
        credentials,
        context: { site: 'datadoghq.com@evil.example' },
      }),
    { name: 'AppError', details: { parameter: 'context.site' } },
    'a site that is no host name is refused too',
  );
});
