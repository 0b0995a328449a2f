import t, { type Test } from 'tap';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import type pino from 'pino';
import { AccessLog, LazyChildLogger, jsonString } from '../../src/http/access-log.js';
import { startClaudeEmulator, SANDBOX_ADMIN_API_KEY } from '../../connectors/claude/emulator/index.js';
import { startGateway, TOKENS } from '../helpers/gateway.js';
import { NOW } from '../helpers/claude.js';
import { captureLines } from '../helpers/log-capture.js';

/**
 * A gateway logging at `level` into kept lines, with account `cc` on a Claude emulator; both
 * closed when the test ends.
 */
async function loggedClaudeGateway(t: Test, level: string) {
  const emu = await startClaudeEmulator({ now: NOW, logger: false });
  const { stream, lines } = captureLines();
  const gw = await startGateway(
    { METERWAY_ALLOW_CUSTOM_HOSTS: 'true', LOG_LEVEL: level },
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
  return { gw, emu, lines };
}

t.test('logs: one line per request, and no credential or token in any line', async (t) => {
  const { gw, lines } = await loggedClaudeGateway(t, 'debug');
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

t.test('logs: the access line is the line pino writes, and a request logs under its id', async (t) => {
  const { stream, lines } = captureLines();
  const gw = await startGateway({ LOG_LEVEL: 'info' }, { logger: undefined, logStream: stream });
  t.teardown(() => gw.close());

  const ok = await gw.call('GET', '/whoami?name=J%C3%BCrgen&path=a\\b"c', {
    headers: { 'x-request-id': 'req-42.a:b' },
  });
  t.equal(ok.status, 200);
  const created = await gw.call('POST', '/integrated-accounts', {
    headers: { 'x-request-id': 'req-43' },
    body: {
      id: 'cc',
      integration: 'claude',
      name: 'Northwind',
      credentials: { admin_api_key: 'sk-ant-admin01-test-key-0000' },
    },
  });
  t.equal(created.status, 201);

  const fast = lines.find((l) => l.includes('"reqId":"req-42.a:b"') && l.includes('request completed'));
  t.ok(fast, 'the access line was written');
  const parsed = JSON.parse(fast as string) as { responseTime: number; url: string; time: number };
  t.match(parsed.url, /^\/whoami\?name=J%C3%BCrgen&path=a\\b/, 'the URL is escaped, not mangled');
  t.type(parsed.time, 'number');

  // The same line through pino itself, with the same values.
  const before = lines.length;
  gw.runtime.app.log
    .child({ reqId: 'req-42.a:b' })
    .info(
      { method: 'GET', url: parsed.url, statusCode: 200, responseTime: parsed.responseTime },
      'request completed',
    );
  const viaPino = lines[before];
  t.ok(viaPino, 'pino wrote its line');
  const withoutTime = (l: string) => l.replace(/"time":\d+/, '"time":0');
  t.equal(withoutTime(fast as string), withoutTime(viaPino as string), 'byte for byte, but for the time');

  const requestLines = lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.reqId === 'req-43');
  t.same(
    requestLines.map((l) => l.msg),
    ['account created', 'request completed'],
    "a line the request logs itself carries the request's id, as its access line does",
  );
});

t.test('logs: no access lines above info', async (t) => {
  const { stream, lines } = captureLines();
  const gw = await startGateway({ LOG_LEVEL: 'warn' }, { logger: undefined, logStream: stream });
  t.teardown(() => gw.close());
  t.equal((await gw.call('GET', '/whoami')).status, 200);
  t.equal((await gw.call('GET', '/whoami', { tenant: null })).status, 401);
  gw.runtime.app.log.warn('probe');
  const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  t.same(msgs, ['probe'], 'only the warning written on purpose');
});

t.test("logs: a route's own log level holds for its access line", async (t) => {
  const { stream, lines } = captureLines();
  const accessLog = new AccessLog();
  const app = Fastify({
    logger: { level: 'info', stream },
    logController: accessLog,
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger, bindings, options),
  });
  accessLog.writeTo({ logger: app.log as unknown as pino.Logger, stream });
  app.get('/quiet', { logLevel: 'warn' }, async () => 'q');
  app.get('/loud', async (request) => {
    request.log.info('handler says hi');
    return 'l';
  });
  t.teardown(() => app.close());
  await app.inject({ method: 'GET', url: '/quiet' });
  await app.inject({ method: 'GET', url: '/loud' });
  const msgs = lines.map((l) => JSON.parse(l) as { msg: string; url?: string; reqId?: string });
  t.same(
    msgs.map((m) => [m.msg, m.url]),
    [
      ['handler says hi', undefined],
      ['request completed', '/loud'],
    ],
    'nothing for the quiet route; the loud one logs and is logged',
  );
  t.equal(msgs[0]?.reqId, msgs[1]?.reqId, 'under one request id');
});

t.test('logs: strings in the access line are the JSON of JSON.stringify', async (t) => {
  const samples = [
    '',
    '/whoami',
    '/usage?date=2026-03-10&remote_query[n]=1',
    'J\u00fcrgen \u65e5\u672c',
    'quote " and backslash \\',
    'tab\tnewline\ncontrol\u0001del\u007f',
    'pair \ud83d\ude00',
    'lone \ud83d and \ude00',
    '\u2028\u2029',
  ];
  for (let c = 0; c < 0x100; c++) samples.push(`a${String.fromCharCode(c)}b`);
  // Compared all at once: some samples would break a test name on their own.
  t.same(
    samples.map((s) => jsonString(s)),
    samples.map((s) => JSON.stringify(s)),
  );
  t.equal(samples.length, 265);
});

t.test(
  'logs: a client that leaves mid-stream ends the stream, which says so and calls the vendor no more',
  async (t) => {
    const { gw, emu, lines } = await loggedClaudeGateway(t, 'info');
    const address = await gw.runtime.app.listen({ host: '127.0.0.1', port: 0 });
    // 78 days of one vendor call each: the client is gone long before the gateway gets to the end.
    const url = `${address}/unified/usage-metering/usage?integrated_account_id=cc&report_type=activity&start_date=2026-01-01&end_date=2026-03-20&truto_response_format=stream`;
    await new Promise<void>((resolve, reject) => {
      const req = get(url, { headers: { authorization: `Bearer ${TOKENS.acme}` } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    });
    const saw = () =>
      lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'stream cut short: the client went away');
    for (let waited = 0; !saw() && waited < 10_000; waited += 20) await sleep(20);
    const line = saw();
    t.ok(line, 'the stream noticed the client had gone and ended');
    t.type(line?.rowsWritten, 'number');
    const calls = emu.controls.requests;
    t.ok(calls < 78, `stopped before the end of the range (${calls} vendor calls)`);
    await sleep(300);
    t.equal(emu.controls.requests, calls, 'and calls the vendor no more');
  },
);
