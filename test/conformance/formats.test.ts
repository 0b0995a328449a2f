/**
 * Conformance, for every implemented connector: each report type a sandbox account supports
 * answers in every response format with a valid envelope; capabilities say exactly what answers;
 * errors are the one envelope with stable codes.
 */
import t, { type Test } from 'tap';
import { Value } from '@sinclair/typebox/value';
import { UsageRow } from '../../src/schemas/usage.js';
import { ErrorEnvelope } from '../../src/errors.js';
import { REPORT_TYPES } from '../../src/schemas/usage-query.js';
import { NORMALIZED_COLUMNS } from '../../src/engine/formats.js';
import type { ConnectorSpec } from '../../src/schemas/connector.js';
import {
  forEachConnector,
  implementedConnectors,
  rangeQuery,
  supportedReports,
  type Row,
} from './harness.js';

const cases = await implementedConnectors();

t.test('at least one connector is implemented and tested', async (t) => {
  t.ok(cases.length > 0, 'the table has rows');
});

/** Every credential value of an account, and its tail, appear nowhere in a response text. */
function noCredential(t: Test, text: string, credentials: Record<string, string>, what: string): void {
  for (const [field, value] of Object.entries(credentials)) {
    t.notOk(text.includes(value), `${what}: ${field} appears nowhere`);
    if (value.length > 20) t.notOk(text.includes(value.slice(-20)), `${what}: not even the tail of ${field}`);
  }
}

/** The request headers that carry the connector's credentials. */
function credentialHeaders(auth: ConnectorSpec['auth']): string[] {
  if (!auth) return [];
  if (auth.type === 'header') return [auth.header];
  if (auth.type === 'basic') return ['authorization'];
  return Object.keys(auth.headers);
}

function validEnvelope(t: Test, body: Row, what: string): void {
  t.ok(Array.isArray(body?.result), `${what}: result is an array`);
  t.equal(body.result_count, body.result.length, `${what}: result_count counts result`);
  t.ok(
    body.next_cursor === null || (typeof body.next_cursor === 'string' && body.next_cursor !== ''),
    `${what}: next_cursor is a string or null`,
  );
}

function validError(t: Test, body: Row, status: number, code: string, what: string): void {
  t.ok(Value.Check(ErrorEnvelope, body), `${what}: the error envelope`);
  t.equal(body?.statusCode, status, `${what}: statusCode`);
  t.equal(body?.code, code, `${what}: code`);
}

forEachConnector(cases, async (t, rig) => {
  const range = rangeQuery(rig.spec);
  const { start_date: start, end_date: end } = rig.spec.range;
  const rangeStart = Date.parse(`${start}T00:00:00Z`);
  const rangeEnd = Date.parse(`${end}T00:00:00Z`);

  for (const account of rig.accounts) {
    const supported = await supportedReports(rig, account.id);
    t.ok(supported.length > 0, `${account.id} supports some report`);

    t.test(`${account.id}: every supported report in every format`, async (t) => {
      for (const report of supported) {
        const what = `${account.id} ${report}`;
        const qs = `report_type=${report}&${range}`;
        const all = await rig.pageAll(account.id, `${qs}&limit=1000`);
        t.ok(all.rows.length > 0, `${what} has rows in the conformance range`);

        const unified = await rig.usage(account.id, `${qs}&limit=20`);
        t.equal(unified.status, 200, `${what}: ${unified.text.slice(0, 200)}`);
        validEnvelope(t, unified.body, `${what} unified`);
        t.ok(unified.body.result.length > 0, `${what} has rows`);
        const invalid = unified.body.result.filter((r: Row) => !Value.Check(UsageRow, r));
        t.same(
          invalid.length === 0
            ? []
            : [...Value.Errors(UsageRow, invalid[0])].slice(0, 3).map((e) => e.path + ': ' + e.message),
          [],
          `${what}: rows validate against the Usage schema`,
        );
        for (const r of all.rows) {
          if (!(typeof r.id === 'string' && r.id !== '')) t.fail(`${what}: a row without an id`);
          // A row's period overlaps the range (a vendor's coarse bucket may start before it).
          const from = typeof r.start_date === 'string' ? Date.parse(r.start_date) : NaN;
          const to = typeof r.end_date === 'string' ? Date.parse(r.end_date) : from;
          if (
            !Number.isNaN(from) &&
            (from >= rangeEnd || (to === from ? to < rangeStart : to <= rangeStart))
          ) {
            t.fail(`${what}: row ${r.id} (${r.start_date}..${r.end_date}) is outside ${start}..${end}`);
          }
        }
        t.equal(new Set(all.rows.map((r) => r.id)).size, all.rows.length, `${what}: ids are unique`);
        noCredential(t, unified.text, account.credentials, `${what} unified`);

        const raw = await rig.usage(account.id, `${qs}&truto_response_format=raw`);
        t.equal(raw.status, 200, `${what} raw: ${raw.text.slice(0, 200)}`);
        validEnvelope(t, raw.body, `${what} raw`);
        t.ok(raw.body.result.length >= 1, `${what} raw holds the vendor bodies`);
        noCredential(t, raw.text, account.credentials, `${what} raw`);

        const normalized = await rig.usage(account.id, `${qs}&truto_response_format=normalized&limit=5`);
        t.equal(normalized.status, 200, `${what} normalized`);
        validEnvelope(t, normalized.body, `${what} normalized`);
        for (const row of normalized.body.result) {
          t.same(Object.keys(row), NORMALIZED_COLUMNS, `${what}: fixed columns in a fixed order`);
          t.notOk('remote_data' in row, `${what}: no remote_data`);
        }
        t.equal(normalized.body.result[0]?.id, unified.body.result[0].id, `${what}: the same first row`);

        const stream = await rig.stream(account.id, `${qs}&limit=1`);
        t.equal(stream.status, 200, `${what} stream`);
        t.match(stream.contentType, /application\/x-ndjson/);
        t.same(stream.lines, all.rows, `${what}: the stream is every page's rows, ignoring limit`);

        const debug = await rig.usage(account.id, `${qs}&truto_response_format=debug&limit=3`);
        t.equal(debug.status, 200, `${what} debug`);
        validEnvelope(t, debug.body, `${what} debug`);
        const d = debug.body.debug;
        t.type(d.requestUrl, 'string', `${what}: debug.requestUrl`);
        t.type(d.requestOptions?.headers, 'object', `${what}: debug.requestOptions.headers`);
        t.ok('data' in d && d.data !== null, `${what}: debug.data is the vendor body`);
        t.type(d.responseHeaders, 'object', `${what}: debug.responseHeaders`);
        t.equal(d.nextCursor, debug.body.next_cursor, `${what}: debug.nextCursor`);
        t.equal(d.isLooping, false, `${what}: debug.isLooping`);
        t.equal(d.isEmptyResult, false, `${what}: debug.isEmptyResult`);
        t.equal(d.resultCount, debug.body.result.length, `${what}: debug.resultCount`);
        t.equal(d.resultCount, Math.min(3, all.rows.length), `${what}: debug honours limit`);
        t.ok(
          Array.isArray(d.calls) &&
            d.calls.length >= 1 &&
            d.calls.every(
              (call: Row) =>
                typeof call.url === 'string' &&
                typeof call.method === 'string' &&
                typeof call.durationMs === 'number' &&
                'status' in call &&
                'cacheHit' in call,
            ),
          `${what}: debug.calls lists every upstream call`,
        );
        for (const header of credentialHeaders(rig.connector.spec.auth)) {
          t.equal(d.requestOptions.headers[header], '[redacted]', `${what}: ${header} is redacted`);
        }
        noCredential(t, debug.text, account.credentials, `${what} debug`);
      }
    });

    t.test(`${account.id}: capabilities say exactly what answers`, async (t) => {
      const caps = await rig.gw.call('GET', `/integrated-accounts/${account.id}/capabilities`);
      t.equal(caps.status, 200);
      t.equal(caps.body.implemented, true);
      t.ok(caps.body.report_types.every((r: Row) => typeof r.available === 'boolean'));
      const declared = Object.keys(rig.connector.spec.reports ?? {});
      const day = `start_date=${start}&end_date=${end}`;
      for (const report of REPORT_TYPES) {
        const res = await rig.usage(account.id, `report_type=${report}&${day}&limit=1`);
        if (supported.includes(report)) {
          t.equal(res.status, 200, `${report} is supported and answers`);
          continue;
        }
        const code = declared.includes(report) ? 'missing_credential' : 'unsupported_report_type';
        t.equal(res.status, 400, `${report} is not supported: 400`);
        validError(t, res.body, 400, code, `${account.id} ${report}`);
        t.same(
          [...(res.body.details?.allowed ?? [])].sort(),
          [...supported].sort(),
          `${report}: the error names the report types this account supports`,
        );
        t.equal(res.body.details?.parameter, 'report_type');
      }
      const other = await rig.gw.call('GET', `/integrated-accounts/${account.id}/capabilities`, {
        tenant: 'globex',
      });
      t.equal(other.status, 404, 'another tenant does not see the account');
    });
  }

  t.test('errors are the one envelope with stable codes', async (t) => {
    const account = rig.accounts[0]?.id as string;
    const unknown = await rig.usage(account, `report_type=no_such_report&${range}`);
    t.equal(unknown.status, 400, 'an unknown report type is a 400');
    validError(t, unknown.body, 400, 'invalid_parameter', 'unknown report type');
    t.match(unknown.body.message, /report_type/);

    const noAccount = await rig.usage('no-such-account', `${range}`);
    validError(t, noAccount.body, 404, 'account_not_found', 'unknown account');

    const noToken = await rig.gw.call(
      'GET',
      `/unified/usage-metering/usage?integrated_account_id=${account}`,
      {
        tenant: null,
      },
    );
    validError(t, noToken.body, 401, 'unauthorized', 'no token');

    // An account holding none of the credentials its reports need.
    const created = await rig.gw.call('POST', '/integrated-accounts', {
      body: {
        id: 'conformance-no-credentials',
        integration: rig.slug,
        credentials: {},
        context: { base_url: rig.emulatorUrl },
      },
    });
    if (created.status === 201) {
      const res = await rig.usage('conformance-no-credentials', `${range}`);
      validError(t, res.body, 400, 'missing_credential', 'no credentials');
    } else {
      validError(t, created.body, 400, 'invalid_body', 'an account without credentials is refused');
      t.match(created.body.message, /credential/);
    }
  });
});
