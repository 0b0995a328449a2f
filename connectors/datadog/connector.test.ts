/**
 * The Datadog connector file in the connector language: the requests it makes are the ones the
 * vendor documents.
 */
import t from 'tap';
import { accountOf, connectorFile } from '../../test/helpers/connector-file.js';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConnectorRegistry } from '../../src/engine/registry.js';
import { buildRequest } from '../../src/engine/request/build.js';
import { contextDefaultsOf } from '../../src/engine/policy.js';
import { pushDown } from '../../src/engine/pushdown.js';
import { toUsageRequest } from '../../src/engine/usage-request.js';
import { AccountRules } from '../../src/accounts.js';
import type { Resource } from '../../src/schemas/connector.js';

const WINDOW = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-03-02T00:00:00Z') };

t.test('Datadog: site template with a default, two key headers, comma list, JSON:API paging', async (t) => {
  const { spec } = await connectorFile(import.meta.dirname);
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
      account: accountOf('datadog', keys, context),
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
    account: accountOf('datadog', keys),
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
  await writeFile(
    path.join(dir, 'datadog', 'connector.yaml'),
    (await connectorFile(import.meta.dirname)).text,
  );
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
