import t from 'tap';
import { startGateway, TOKENS } from '../helpers/gateway.js';

t.test('gateway authentication', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());

  const none = await gw.call('GET', '/integrated-accounts', { tenant: null });
  t.equal(none.status, 401);
  t.equal(none.body.code, 'unauthorized');
  t.match(none.body.message, /Authorization: Bearer/);
  t.same(Object.keys(none.body).sort(), ['code', 'error', 'message', 'statusCode']);

  const wrong = await gw.call('GET', '/integrated-accounts', {
    tenant: null,
    headers: { authorization: `Bearer ${TOKENS.acme}x` },
  });
  t.equal(wrong.status, 401);
  t.equal(wrong.body.code, 'unauthorized');

  const basic = await gw.call('GET', '/integrated-accounts', {
    tenant: null,
    headers: { authorization: `Basic ${TOKENS.acme}` },
  });
  t.equal(basic.status, 401, 'only bearer tokens count');

  const right = await gw.call('GET', '/integrated-accounts');
  t.equal(right.status, 200);
  t.same(right.body, { result: [], result_count: 0 });

  const usageNoToken = await gw.call('GET', '/unified/usage-metering/usage?integrated_account_id=x', {
    tenant: null,
  });
  t.equal(usageNoToken.status, 401, 'usage needs a token too');

  for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
    const res = await gw.call('GET', url, { tenant: null });
    t.equal(res.status, 200, `${url} is public`);
  }
});

t.test('a token keeps working once accepted, and near misses are still refused', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  for (let i = 0; i < 3; i++) t.same((await gw.call('GET', '/whoami')).body, { tenant: 'acme' });
  for (const wrong of [`${TOKENS.acme}x`, TOKENS.acme.slice(0, -1), TOKENS.acme.toUpperCase(), 'x']) {
    const res = await gw.call('GET', '/whoami', {
      tenant: null,
      headers: { authorization: `Bearer ${wrong}` },
    });
    t.equal(res.status, 401, `near miss ${wrong.length} chars is refused after the right one was accepted`);
  }
  t.same((await gw.call('GET', '/whoami', { tenant: 'globex' })).body, { tenant: 'globex' });
  t.same((await gw.call('GET', '/whoami')).body, { tenant: 'acme' }, 'each token keeps its own tenant');
});

t.test('the token check follows every route, whatever the method', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  const head = await gw.runtime.app.inject({ method: 'HEAD', url: '/whoami' });
  t.equal(head.statusCode, 401, 'HEAD of a GET route needs a token too');
  const headPublic = await gw.runtime.app.inject({ method: 'HEAD', url: '/healthz' });
  t.equal(headPublic.statusCode, 200, 'and HEAD of a public route does not');
  const docs = await gw.runtime.app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(docs.statusCode, 200, 'the API explorer is public');
});

t.test('every documented operation needs a token unless the document says it does not', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  const doc = (await gw.call('GET', '/openapi.json', { tenant: null })).body as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  let checked = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const url = path.replace(/\{[^}]+\}/g, 'x');
      const res = await gw.runtime.app.inject({ method: method.toUpperCase() as 'GET', url });
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      if (isPublic) t.not(res.statusCode, 401, `${method.toUpperCase()} ${path} is public`);
      else t.equal(res.statusCode, 401, `${method.toUpperCase()} ${path} needs a token`);
      checked++;
    }
  }
  t.ok(checked >= 8, `${checked} operations checked`);
});

t.test('request ids', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  const generated = await gw.call('GET', '/healthz');
  t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const honoured = await gw.call('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
  t.equal(honoured.headers['x-request-id'], 'abc-123');
  const unsafe = await gw.call('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
  t.not(unsafe.headers['x-request-id'], 'bad id with spaces', 'a malformed incoming id is replaced');
  const onError = await gw.call('GET', '/integrated-accounts', { tenant: null });
  t.ok(onError.headers['x-request-id'], 'errors carry a request id');
});

t.test('metrics count requests by route and status', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  await gw.call('GET', '/integrated-accounts');
  await gw.call('GET', '/integrated-accounts', { tenant: null });
  const res = await gw.call('GET', '/metrics', { tenant: null });
  t.match(res.headers['content-type'], /text\/plain/);
  t.match(
    res.text,
    /meterway_http_requests_total\{route="\/integrated-accounts",method="GET",status="200"\} 1/,
  );
  t.match(
    res.text,
    /meterway_http_requests_total\{route="\/integrated-accounts",method="GET",status="401"\} 1/,
  );
  t.match(res.text, /meterway_http_request_duration_seconds_bucket/);
});

t.test('unknown routes answer the envelope', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  const res = await gw.call('GET', '/nope');
  t.equal(res.status, 404);
  t.equal(res.body.code, 'not_found');
});

t.test('whoami names the tenant of the token', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  t.same((await gw.call('GET', '/whoami')).body, { tenant: 'acme' });
  t.same((await gw.call('GET', '/whoami', { tenant: 'globex' })).body, { tenant: 'globex' });
  t.equal((await gw.call('GET', '/whoami', { tenant: null })).status, 401);
});

t.test('the router refuses an overlong path segment inside the error envelope', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  const long = await gw.call('GET', `/integrated-accounts/${'x'.repeat(300)}`);
  t.equal(long.status, 400);
  t.equal(long.body.code, 'invalid_parameter');
  t.match(long.body.message, /longer than 256 characters/);
  const id = 'a'.repeat(128);
  const at128 = await gw.call('GET', `/integrated-accounts/${id}`);
  t.equal(at128.status, 404, 'an id of the longest allowed length reaches the route');
  t.equal(at128.body.code, 'account_not_found');
});
