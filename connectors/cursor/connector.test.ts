/**
 * The Cursor connector file in the connector language: the requests it makes are the ones the
 * vendor documents.
 */
import t from 'tap';
import { accountOf, connectorFile } from '../../test/helpers/connector-file.js';
import { buildRequest } from '../../src/engine/request/build.js';
import { pushDown } from '../../src/engine/pushdown.js';
import { toUsageRequest } from '../../src/engine/usage-request.js';
import type { Resource } from '../../src/schemas/connector.js';

const WINDOW = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-03-02T00:00:00Z') };

t.test(
  'Cursor: POST bodies in epoch ms with inclusive ends, page numbers in the body, Basic auth',
  async (t) => {
    const { spec } = await connectorFile(import.meta.dirname);
    const resource = spec.resources?.usage_events as Resource;
    const acc = accountOf('cursor', { api_key: 'crsr_0123456789abcdef' });
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
