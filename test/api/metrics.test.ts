import t from 'tap';
import { Counter, Histogram, Registry } from 'prom-client';
import { RequestMetrics, REQUEST_DURATION_BUCKETS } from '../../src/http/request-metrics.js';
import { startGateway } from '../helpers/gateway.js';

t.test('RequestMetrics writes the text prom-client writes for the same observations', async (t) => {
  const ours = new Registry();
  const metrics = new RequestMetrics(ours);
  const reference = new Registry();
  const counter = new Counter({
    name: 'meterway_http_requests_total',
    help: 'HTTP requests served, by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [reference],
  });
  const histogram = new Histogram({
    name: 'meterway_http_request_duration_seconds',
    help: 'HTTP request duration, by route, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: REQUEST_DURATION_BUCKETS,
    registers: [reference],
  });
  const observations: [string, string, number, number][] = [
    ['/whoami', 'GET', 200, 0.4],
    ['/whoami', 'GET', 200, 1],
    ['/whoami', 'GET', 401, 2.5],
    ['/unified/usage-metering/usage', 'GET', 200, 12.5],
    ['/unified/usage-metering/usage', 'GET', 200, 10_000],
    ['/unified/usage-metering/usage', 'GET', 200, 25_000],
    ['unmatched', 'POST', 404, 0],
    ['/integrated-accounts/:id', 'PATCH', 200, 100],
  ];
  for (const [route, method, status, ms] of observations) {
    metrics.record(route, method, status, ms);
    const labels = { route, method, status: String(status) };
    counter.inc(labels);
    histogram.observe(labels, ms / 1000);
  }
  t.equal(await ours.metrics(), await reference.metrics());
  t.same(
    (await ours.getMetricsAsJSON()).map((m) => m.values.length),
    (await reference.getMetricsAsJSON()).map((m) => m.values.length),
    'the JSON view agrees too',
  );
  ours.resetMetrics();
  reference.resetMetrics();
  t.equal(await ours.metrics(), await reference.metrics(), 'and after a reset');
});

t.test('GET /metrics counts the requests served', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  await gw.call('GET', '/whoami');
  await gw.call('GET', '/whoami');
  await gw.call('GET', '/whoami', { tenant: null });
  await gw.call('GET', '/no-such-route');
  await gw.call('GET', '/healthz', { tenant: null });
  const res = await gw.call('GET', '/metrics');
  t.equal(res.status, 200);
  t.match(res.text, /meterway_http_requests_total\{route="\/whoami",method="GET",status="200"\} 2/);
  t.match(res.text, /meterway_http_requests_total\{route="\/whoami",method="GET",status="401"\} 1/);
  t.match(
    res.text,
    /meterway_http_requests_total\{route="unmatched",method="GET",status="404"\} 1/,
    'unknown routes are counted under one label',
  );
  t.match(
    res.text,
    /meterway_http_requests_total\{route="\/healthz",method="GET",status="200"\} 1/,
    'public routes are counted too',
  );
  t.match(
    res.text,
    /meterway_http_request_duration_seconds_count\{route="\/whoami",method="GET",status="200"\} 2/,
  );
  t.match(
    res.text,
    /meterway_http_request_duration_seconds_bucket\{le="\+Inf",route="\/whoami",method="GET",status="200"\} 2/,
  );
});
