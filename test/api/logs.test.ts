import t from 'tap';
import { Writable } from 'node:stream';
import { startClaudeEmulator, SANDBOX_ADMIN_API_KEY } from '../../connectors/claude/emulator/index.js';
import { startGateway, TOKENS } from '../helpers/gateway.js';
import { NOW } from '../helpers/claude.js';

/** A log destination that keeps every line. */
function captureLines(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.length > 0));
      cb();
    },
  });
  return { stream, lines };
}

t.test('logs: one line per request, and no credential or token in any line', async (t) => {
  const emu = await startClaudeEmulator({ now: NOW, logger: false });
  const { stream, lines } = captureLines();
  const gw = await startGateway(
    { METERWAY_ALLOW_CUSTOM_HOSTS: 'true', LOG_LEVEL: 'debug' },
    { now: () => NOW, logger: undefined, logStream: stream },
  );
  t.teardown(async () => {
    await gw.close();
    await emu.close();
  });

  const created = await gw.call('POST', '/integrated-accounts', {
    body: {
      id: 'cc',
      integration: 'claude',
      name: 'Northwind',
      credentials: { admin_api_key: SANDBOX_ADMIN_API_KEY },
      context: { base_url: emu.url },
    },
  });
  t.equal(created.status, 201);
  const usage = await gw.call(
    'GET',
    '/unified/usage-metering/usage?integrated_account_id=cc&report_type=activity&date=2026-03-04&truto_response_format=debug',
  );
  t.equal(usage.status, 200);
  const bad = await gw.call('GET', '/whoami', {
    tenant: null,
    headers: { authorization: 'Bearer not-a-token-123' },
  });
  t.equal(bad.status, 401);
  const wrongKey = await gw.call('PATCH', '/integrated-accounts/cc', {
    body: { credentials: { admin_api_key: 'sk-ant-admin01-wrong-key-for-this-org' } },
  });
  t.equal(wrongKey.status, 200);
  const refused = await gw.call(
    'GET',
    '/unified/usage-metering/usage?integrated_account_id=cc&report_type=activity&date=2026-03-04',
  );
  t.equal(refused.status, 503);
  t.equal(
    refused.body.code,
    'account_needs_reauth',
    'the new key is refused by the vendor, not served from cache',
  );

  // Whatever a later change logs by mistake under the usual names is redacted too.
  gw.runtime.app.log.info(
    { account: { id: 'x', credentials: { admin_api_key: SANDBOX_ADMIN_API_KEY } } },
    'probe',
  );
  gw.runtime.app.log.info({ credentials: { admin_api_key: SANDBOX_ADMIN_API_KEY } }, 'probe');
  gw.runtime.app.log.info(
    { err: { details: { credentials: { admin_api_key: SANDBOX_ADMIN_API_KEY } } } },
    'probe',
  );
  gw.runtime.app.log.info({ req: { headers: { authorization: `Bearer ${TOKENS.acme}` } } }, 'probe');

  const all = lines.join('\n');
  for (const secret of [
    SANDBOX_ADMIN_API_KEY,
    'sk-ant-admin01-wrong-key-for-this-org',
    TOKENS.acme,
    'not-a-token-123',
  ]) {
    t.notOk(all.includes(secret), `no log line holds ${secret.slice(0, 12)}…`);
  }
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const completed = parsed.filter((l) => l.msg === 'request completed');
  t.equal(completed.length, 5, 'one line per request');
  t.same(
    completed.map((l) => l.statusCode),
    [201, 200, 401, 200, 503],
  );
  for (const l of completed) {
    t.type(l.reqId, 'string');
    t.type(l.responseTime, 'number');
    t.match(l.url, /^\//);
  }
  t.equal(
    parsed.filter((l) => l.msg === 'probe' && JSON.stringify(l).includes('[redacted]')).length,
    3,
    'the credentials probes are redacted (the req probe loses its headers to the req serializer)',
  );
});
