import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startGateway } from '../helpers/gateway.js';

const ADMIN_KEY = 'sk-ant-admin01-TopSecretValue-0123456789';

t.test('account CRUD with masked credentials', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());

  const created = await gw.call('POST', '/integrated-accounts', {
    body: { integration: 'claude', name: 'Prod org', credentials: { admin_api_key: ADMIN_KEY } },
  });
  t.equal(created.status, 201);
  const id = created.body.id as string;
  t.match(id, /^acct_/);
  t.same(created.body.credentials, { admin_api_key: '…6789' }, 'only a masked hint');
  t.notOk(created.text.includes(ADMIN_KEY), 'the secret never comes back');
  t.equal(created.body.status, 'active');
  t.match(created.body.created_at, /^\d{4}-\d{2}-\d{2}T/);

  const got = await gw.call('GET', `/integrated-accounts/${id}`);
  t.equal(got.status, 200);
  t.same(got.body, created.body);

  const list = await gw.call('GET', '/integrated-accounts');
  t.equal(list.body.result_count, 1);
  t.equal(list.body.result[0].id, id);

  const patched = await gw.call('PATCH', `/integrated-accounts/${id}`, {
    body: { name: 'Renamed', credentials: { analytics_api_key: 'sk-ant-api01-Another-Secret-abcd' } },
  });
  t.equal(patched.status, 200);
  t.equal(patched.body.name, 'Renamed');
  t.same(
    patched.body.credentials,
    { admin_api_key: '…6789', analytics_api_key: '…abcd' },
    'rotation merges per field',
  );
  t.notOk(patched.text.includes('Another-Secret'));

  const stored = await gw.runtime.accounts.get('acme', id);
  t.equal(stored?.credentials.admin_api_key, ADMIN_KEY, 'the store keeps the real secret');

  const del = await gw.call('DELETE', `/integrated-accounts/${id}`);
  t.equal(del.status, 204);
  const gone = await gw.call('GET', `/integrated-accounts/${id}`);
  t.equal(gone.status, 404);
  t.equal(gone.body.code, 'account_not_found');
});

t.test('tenant isolation', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  const created = await gw.call('POST', '/integrated-accounts', {
    body: { id: 'shared-name', integration: 'cursor', credentials: { api_key: 'crsr_0123456789abcdef0123' } },
  });
  t.equal(created.status, 201);
  const asGlobex = { tenant: 'globex' as const };
  t.equal((await gw.call('GET', '/integrated-accounts/shared-name', asGlobex)).status, 404);
  t.equal((await gw.call('GET', '/integrated-accounts', asGlobex)).body.result_count, 0);
  t.equal(
    (await gw.call('PATCH', '/integrated-accounts/shared-name', { ...asGlobex, body: { name: 'x' } })).status,
    404,
  );
  t.equal((await gw.call('DELETE', '/integrated-accounts/shared-name', asGlobex)).status, 404);
  const usage = await gw.call(
    'GET',
    '/unified/usage-metering/usage?integrated_account_id=shared-name',
    asGlobex,
  );
  t.equal(usage.status, 404, "another tenant's account is unknown to usage too");
  t.equal(usage.body.code, 'account_not_found');
  // The same id may exist in both tenants independently.
  const mine = await gw.call('POST', '/integrated-accounts', {
    ...asGlobex,
    body: { id: 'shared-name', integration: 'cursor', credentials: { api_key: 'crsr_globex_0123456789abc' } },
  });
  t.equal(mine.status, 201);
  t.equal(
    (await gw.runtime.accounts.get('acme', 'shared-name'))?.credentials.api_key,
    'crsr_0123456789abcdef0123',
  );
});

t.test('account validation', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  const post = (body: unknown) => gw.call('POST', '/integrated-accounts', { body });

  const unknownIntegration = await post({ integration: 'salesforce', credentials: { api_key: 'x' } });
  t.equal(unknownIntegration.status, 400);
  t.match(unknownIntegration.body.message, /Unknown integration "salesforce". Known: .*claude/);

  const badField = await post({ integration: 'claude', credentials: { password: 'abc' } });
  t.equal(badField.status, 400);
  t.match(
    badField.body.message,
    /Unknown credential "password" for claude. Accepted: admin_api_key, analytics_api_key/,
  );

  const noCreds = await post({ integration: 'claude', credentials: {} });
  t.equal(noCreds.status, 400);
  t.match(noCreds.body.message, /at least one credential/);

  const missingRequired = await post({ integration: 'datadog', credentials: { api_key: 'abc' } });
  t.equal(missingRequired.status, 400);
  t.match(missingRequired.body.message, /Missing credential application_key/);

  const missingField = await post({ credentials: { api_key: 'x' } });
  t.equal(missingField.status, 400);
  t.equal(missingField.body.code, 'invalid_body');
  t.match(missingField.body.message, /integration/);

  const extra = await post({ integration: 'cursor', credentials: { api_key: 'x' }, secret: 1 });
  t.equal(extra.status, 400);
  t.match(extra.body.message, /Unknown body field "secret"/);

  const badHost = await post({
    integration: 'claude',
    credentials: { admin_api_key: ADMIN_KEY },
    context: { base_url: 'https://evil.example.com' },
  });
  t.equal(badHost.status, 400);
  t.equal(badHost.body.code, 'host_not_allowed');
  t.match(badHost.body.message, /api\.anthropic\.com/);

  const declaredHost = await post({
    integration: 'claude',
    credentials: { admin_api_key: ADMIN_KEY },
    context: { base_url: 'https://api.anthropic.com' },
  });
  t.equal(declaredHost.status, 201);

  const loopbackOutsideSandbox = await post({
    integration: 'claude',
    credentials: { admin_api_key: ADMIN_KEY },
    context: { base_url: 'http://127.0.0.1:9999' },
  });
  t.equal(loopbackOutsideSandbox.status, 400, 'loopback is not a declared host outside the sandbox');

  const unknownContext = await post({
    integration: 'cursor',
    credentials: { api_key: 'x' },
    context: { region: 'eu' },
  });
  t.equal(unknownContext.status, 400);
  t.match(unknownContext.body.message, /Unknown context field "region"/);

  const dup = await post({ id: 'dup', integration: 'cursor', credentials: { api_key: 'x' } });
  t.equal(dup.status, 201);
  const dup2 = await post({ id: 'dup', integration: 'cursor', credentials: { api_key: 'x' } });
  t.equal(dup2.status, 400);
  t.match(dup2.body.message, /already exists/);

  const emptyPatch = await gw.call('PATCH', '/integrated-accounts/dup', { body: {} });
  t.equal(emptyPatch.status, 400);
});

t.test('custom hosts when the operator allows them', async (t) => {
  const gw = await startGateway({ METERWAY_ALLOW_CUSTOM_HOSTS: 'true' });
  t.teardown(() => gw.close());
  const res = await gw.call('POST', '/integrated-accounts', {
    body: {
      integration: 'claude',
      credentials: { admin_api_key: ADMIN_KEY },
      context: { base_url: 'https://proxy.internal:8443' },
    },
  });
  t.equal(res.status, 201);
});

t.test('credentials are encrypted at rest and survive a restart', async (t) => {
  const gw = await startGateway();
  const created = await gw.call('POST', '/integrated-accounts', {
    body: { id: 'persist-me', integration: 'claude', credentials: { admin_api_key: ADMIN_KEY } },
  });
  t.equal(created.status, 201);
  const fileText = await readFile(path.join(gw.dataDir, 'accounts.json'), 'utf8');
  t.notOk(fileText.includes(ADMIN_KEY), 'no clear-text secret on disk');
  t.notOk(fileText.includes('TopSecretValue'), 'not even part of it');
  t.ok(fileText.includes('persist-me'));
  await gw.runtime.close();
  // A second gateway on the same folder and key reads it back.
  const { createRuntime } = await import('../../src/runtime.js');
  const again = await createRuntime({ config: gw.config, logger: false });
  t.teardown(() => again.close());
  const acc = await again.accounts.get('acme', 'persist-me');
  t.equal(acc?.credentials.admin_api_key, ADMIN_KEY);
});
