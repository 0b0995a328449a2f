import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { UpstreamHttp, UpstreamTransportError } from '../../src/engine/http.js';

/** A real vendor on loopback whose answer each test chooses; closed when the test ends. */
async function vendor(
  t: Test,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void>; connections: () => number }> {
  const server = createServer(handle);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  t.teardown(close);
  return { url: `http://127.0.0.1:${port}`, close, connections: () => connections };
}

/** The client under test, closed when the test ends. */
function client(t: Test, ...args: ConstructorParameters<typeof UpstreamHttp>): UpstreamHttp {
  const http = new UpstreamHttp(...args);
  t.teardown(() => http.close());
  return http;
}

const get = (url: string, timeoutMs = 2000) => ({
  url: new URL(url),
  method: 'GET' as const,
  headers: { 'x-api-key': 'k', accept: 'application/json' },
  timeoutMs,
});

t.test('a body in many chunks arrives whole, with its status and headers', async (t) => {
  const seen: Record<string, unknown> = {};
  const v = await vendor(t, (req, res) => {
    seen.url = req.url;
    seen.key = req.headers['x-api-key'];
    res.writeHead(207, { 'Content-Type': 'application/json', 'Set-Cookie': ['a=1', 'b=2'] });
    // Multi-byte characters split across writes must still decode.
    const body = Buffer.from(JSON.stringify({ name: 'Jürgen 日本', n: 'x'.repeat(100_000) }));
    let i = 0;
    const next = () => {
      if (i >= body.length) return res.end();
      res.write(body.subarray(i, i + 4097));
      i += 4097;
      setImmediate(next);
    };
    next();
  });
  const http = client(t);
  const res = await http.send(get(`${v.url}/v1/usage?a=1&b=%20`));
  t.equal(res.status, 207);
  t.equal(seen.url, '/v1/usage?a=1&b=%20', 'path and query sent as given');
  t.equal(seen.key, 'k');
  t.equal(res.headers['content-type'], 'application/json');
  t.equal(res.headers['set-cookie'], 'a=1, b=2', 'repeated headers joined');
  const parsed = JSON.parse(res.text) as { name: string; n: string };
  t.equal(parsed.name, 'Jürgen 日本');
  t.equal(parsed.n.length, 100_000);
  t.type(res.durationMs, 'number');
});

t.test('an empty body is an empty text', async (t) => {
  const v = await vendor(t, (_req, res) => {
    res.writeHead(204);
    res.end();
  });
  const http = client(t);
  const res = await http.send(get(`${v.url}/x`));
  t.equal(res.status, 204);
  t.equal(res.text, '');
});

t.test('no answer within the deadline is a timeout, whether headers or body lag', async (t) => {
  const v = await vendor(t, (req, res) => {
    if (req.url === '/slow-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":[');
      return; // never ends
    }
    // /silent: never answers
  });
  const http = client(t);
  for (const path of ['/silent', '/slow-body']) {
    const started = performance.now();
    const err = await http.send(get(`${v.url}${path}`, 150)).catch((e: unknown) => e);
    t.type(err, UpstreamTransportError, path);
    t.equal((err as UpstreamTransportError).kind, 'timeout', `${path} is a timeout`);
    t.match((err as Error).message, /no answer within 150 ms/);
    t.ok(performance.now() - started < 1500, `${path} gave up near the deadline`);
  }
});

t.test('a body over the limit is refused, not buffered', async (t) => {
  const v = await vendor(t, (_req, res) => {
    res.writeHead(200);
    res.end('x'.repeat(10_000));
  });
  const http = client(t, undefined, { maxBodyBytes: 1000 });
  const err = await http.send(get(`${v.url}/big`)).catch((e: unknown) => e);
  t.type(err, UpstreamTransportError);
  t.equal((err as UpstreamTransportError).kind, 'network');
  t.match((err as Error).message, /larger than 1000 bytes/);
  const small = client(t, undefined, { maxBodyBytes: 10_000 });
  t.equal((await small.send(get(`${v.url}/big`))).text.length, 10_000, 'exactly the limit is fine');
});

t.test('a vendor that cannot be reached is a network error', async (t) => {
  const v = await vendor(t, () => {});
  const url = v.url;
  await v.close();
  const http = client(t);
  const err = await http.send(get(`${url}/x`)).catch((e: unknown) => e);
  t.type(err, UpstreamTransportError);
  t.equal((err as UpstreamTransportError).kind, 'network');
  t.match((err as Error).message, /connection failed \(ECONNREFUSED\)/);
});

t.test('a vendor that drops the connection mid-body is a network error', async (t) => {
  const v = await vendor(t, (_req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('{"data":[');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const http = client(t);
  const err = await http.send(get(`${v.url}/x`)).catch((e: unknown) => e);
  t.type(err, UpstreamTransportError);
  t.equal((err as UpstreamTransportError).kind, 'network');
});

t.test('the deadline covers the whole call: a body that keeps trickling in still times out', async (t) => {
  const v = await vendor(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    // A byte every 40 ms: undici's own body timeout (idle time between chunks) never fires.
    const timer = setInterval(() => res.write(' '), 40);
    res.on('close', () => clearInterval(timer));
  });
  const http = client(t);
  const started = performance.now();
  const err = await http.send(get(`${v.url}/trickle`, 300)).catch((e: unknown) => e);
  const took = performance.now() - started;
  t.type(err, UpstreamTransportError);
  t.equal((err as UpstreamTransportError).kind, 'timeout');
  t.ok(took >= 290 && took < 1500, `gave up at the deadline (${Math.round(took)} ms)`);
});

t.test(
  'a call still queued for a connection at its deadline times out, and the connection is kept',
  async (t) => {
    const v = await vendor(t, (req, res) => {
      const delay = req.url === '/slow' ? 400 : 0;
      setTimeout(() => res.end('{"ok":true}'), delay);
    });
    const agent = new Agent({ connections: 1 });
    const http = new UpstreamHttp(agent);
    t.teardown(() => agent.close());
    const slow = http.send(get(`${v.url}/slow`, 2000));
    const started = performance.now();
    const queued = await http.send(get(`${v.url}/fast`, 100)).catch((e: unknown) => e);
    t.type(queued, UpstreamTransportError, 'the queued call failed');
    t.equal((queued as UpstreamTransportError).kind, 'timeout');
    t.ok(performance.now() - started < 350, 'at its own deadline, not when the connection freed up');
    t.equal((await slow).text, '{"ok":true}', 'the call holding the connection completes');
    t.equal((await http.send(get(`${v.url}/fast`))).text, '{"ok":true}', 'and the next call goes through');
    // The timed-out call reaches the head of the queue when the slow one ends; dropping it there
    // must not close the healthy keep-alive socket it was about to be written to.
    t.equal(v.connections(), 1, 'all three calls used the one keep-alive connection');
  },
);

t.test('a dispatcher that throws is a network error, not a hang', async (t) => {
  const throwing = {
    dispatch() {
      throw new Error('dispatcher is broken');
    },
  } as unknown as Dispatcher;
  const http = new UpstreamHttp(throwing);
  const started = performance.now();
  const err = await http.send(get('http://127.0.0.1:9/x', 5000)).catch((e: unknown) => e);
  t.type(err, UpstreamTransportError);
  t.equal((err as UpstreamTransportError).kind, 'network');
  t.match((err as Error).message, /dispatcher is broken/);
  t.ok(performance.now() - started < 1000, 'at once');
});
