/**
 * Conformance, for every implemented connector: vendor faults, set through the emulator's fault
 * knobs as its conformance.yaml describes, reach the caller as the documented answers. Each test
 * reads through a fresh account (the gateway caches per account) and starts from reset knobs.
 */
import { forEachConnector, implementedConnectors, pattern, type Rig } from './harness.js';

const cases = await implementedConnectors();

/** Seconds a short Retry-After waits (retried in-request) and a long one (passed on). */
const SHORT_RETRY_AFTER_S = 1;
const LONG_RETRY_AFTER_S = 120;

forEachConnector(cases, async (t, rig) => {
  const { account: faultAccount, query: QS, loop_query: loopQuery } = rig.spec.faults;
  const rawPatterns = rig.spec.faults.raw_response ?? {};
  const retry = rig.connector.spec.retry;
  const attempts = retry?.attempts ?? 1;
  const credentials = rig.accounts.find((a) => a.id === faultAccount)?.credentials ?? {};
  t.ok(Object.keys(credentials).length > 0, `faults.account ${faultAccount} is a sandbox account`);

  let fresh = 0;
  /** A new account like the fault account (its own cache scope) and knobs back to defaults. */
  async function freshAccount(on: Rig = rig): Promise<string> {
    const id = `${faultAccount}-fault-${++fresh}`;
    await on.cloneAccount(faultAccount, id);
    await rig.controls.reset();
    return id;
  }

  t.test('a 429 with a short Retry-After is retried and succeeds', async (t) => {
    t.ok(SHORT_RETRY_AFTER_S <= (retry?.max_retry_after_s ?? 0), 'the connector waits that long');
    const account = await freshAccount();
    await rig.controls.set('rate_limit', { count: 1, retry_after_s: SHORT_RETRY_AFTER_S });
    const res = await rig.usage(account, `${QS}&truto_response_format=debug`);
    t.equal(res.status, 200);
    t.equal(await rig.controls.requests(), 2, 'one 429, one retry');
    t.same(
      res.body.debug.calls.map((c: { status: number }) => c.status),
      [429, 200],
    );
  });

  t.test('a 429 with a long Retry-After reaches the caller as 429 with Retry-After', async (t) => {
    const account = await freshAccount();
    await rig.controls.set('rate_limit', { count: 1, retry_after_s: LONG_RETRY_AFTER_S });
    const res = await rig.usage(account, QS);
    t.equal(res.status, 429);
    t.equal(res.body.code, 'rate_limited');
    t.equal(res.headers['retry-after'], String(LONG_RETRY_AFTER_S));
    t.equal(res.body.truto_is_remote_error, true);
    t.match(res.body.raw_response, pattern(rawPatterns.rate_limit ?? {}), 'the vendor body');
    t.equal(await rig.controls.requests(), 1, 'no pointless retry');
  });

  t.test('5xx is retried; persistent 5xx is a 502 with the vendor body', async (t) => {
    const account = await freshAccount();
    await rig.controls.set('server_error', { count: attempts - 1 });
    const ok = await rig.usage(account, QS);
    t.equal(ok.status, 200);
    t.equal(await rig.controls.requests(), attempts, 'every try the connector allows');

    const again = await freshAccount();
    await rig.controls.set('server_error', { count: 10 });
    const res = await rig.usage(again, QS);
    t.equal(res.status, 502);
    t.equal(res.body.code, 'remote_error');
    t.equal(res.body.truto_is_remote_error, true);
    t.match(res.body.raw_response, pattern(rawPatterns.server_error ?? {}), 'the vendor body');
    for (const [field, value] of Object.entries(credentials)) {
      t.notOk(res.text.includes(value), `no ${field} in the error`);
    }
  });

  t.test('a vendor that does not answer in time is a 504', async (t) => {
    const slow = await rig.otherGateway({ METERWAY_UPSTREAM_TIMEOUT_MS: '200' });
    t.teardown(() => slow.close());
    const account = await freshAccount(slow);
    await rig.controls.set('delay', { ms: 1000 });
    const res = await slow.usage(account, QS);
    t.equal(res.status, 504);
    t.equal(res.body.code, 'remote_timeout');
    t.match(res.body.message, /did not answer in time/);
  });

  t.test('malformed vendor JSON is a clear 502 and nothing is kept', async (t) => {
    const account = await freshAccount();
    await rig.controls.set('malformed', { count: 1 });
    const res = await rig.usage(account, QS);
    t.equal(res.status, 502);
    t.equal(res.body.code, 'remote_malformed_response');
    t.same(Object.keys(res.body).sort(), [
      'code',
      'error',
      'message',
      'raw_response',
      'statusCode',
      'truto_is_remote_error',
    ]);
    const again = await rig.usage(account, QS);
    t.equal(again.status, 200, 'the bad answer was not cached');
    t.ok(again.body.result.length > 0);
  });

  t.test('a vendor cursor loop stops paging and says so', async (t) => {
    const account = await freshAccount();
    await rig.controls.set('loop_cursor');
    const res = await rig.usage(account, `${loopQuery}&truto_response_format=debug`);
    t.equal(res.status, 200);
    t.equal(res.body.debug.isLooping, true);
    t.ok((await rig.controls.requests()) < 10, 'stopped quickly');
    await rig.controls.reset();
  });
});
