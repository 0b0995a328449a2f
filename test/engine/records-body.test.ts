import t from 'tap';
import { MockAgent } from 'undici';
import { makePlan } from '../../src/engine/plan.js';
import { toUsageRequest } from '../../src/engine/usage-request.js';
import { compileMapping } from '../../src/mapping/compile.js';
import type { ConnectorSpec } from '../../src/schemas/connector.js';
import type { Account } from '../../src/schemas/account.js';
import { mockedRunner } from '../helpers/engine-rig.js';

/**
 * `records_path: '.'`: the body itself is the page's one record, so a mapping walks its list with
 * `each` and reads the fields beside the list (here a cycle start shared by every member).
 */
const ORIGIN = 'https://api.vendor.test';
const account: Account = {
  id: 'acc1',
  tenant: 't1',
  integration: 'vendor',
  name: 'a',
  status: 'active',
  credentials: { key: 'secret-key-value-123' },
  context: {},
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};
const mapping = compileMapping(
  {
    description: 'members of a cycle',
    rows: [
      {
        name: 'member',
        each: 'members',
        key: [{ path: '$item.email' }],
        fields: {
          'user.email': { path: '$item.email' },
          start_date: { path: 'cycleStart', transform: { name: 'iso_datetime', args: { unit: 'ms' } } },
        },
      },
    ],
  },
  'records-body.yaml',
);

function spec(recordsPath: string): ConnectorSpec {
  return {
    slug: 'vendor',
    name: 'Vendor',
    docs_url: 'https://docs.vendor.test',
    base_url: ORIGIN,
    allowed_hosts: ['api.vendor.test'],
    credentials: { key: { description: 'k' } },
    auth: { type: 'header', header: 'x-key' },
    retry: { attempts: 1, base_delay_ms: 0, max_retry_after_s: 0 },
    resources: {
      cycle: {
        docs_url: 'x',
        method: 'GET',
        path: '/cycle',
        credential: 'key',
        records_path: recordsPath,
        pagination: { type: 'none' },
      },
    },
    reports: { user_cost: { resource: 'cycle' } },
  } as ConnectorSpec;
}

async function run(recordsPath: string, body: object) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent.get(ORIGIN).intercept({ path: '/cycle', method: 'GET' }).reply(200, body);
  const s = spec(recordsPath);
  const runner = mockedRunner(s, agent);
  const req = toUsageRequest({
    integrated_account_id: 'acc1',
    report_type: 'user_cost',
    start_date: '2026-03-01',
    end_date: '2026-03-02',
  } as never);
  const plan = makePlan(account, { spec: s, dir: '', implemented: true }, req, () => mapping, undefined);
  return runner.run(
    plan,
    { w: 0, p: null, o: 0 },
    {
      limit: 100,
      ignoreLimit: false,
      raw: false,
      budget: 5,
      remoteQuery: {},
      rowFilter: () => true,
      maxRows: 1000,
    },
  );
}

const BODY = { cycleStart: 1772323200000, members: [{ email: 'a@x.test' }, { email: 'b@x.test' }] };

t.test("'.' makes the body the one record: its list walked, the fields beside it read", async (t) => {
  const res = await run('.', BODY);
  t.same(
    res.rows.map((r) => [r.user?.email, r.start_date]),
    [
      ['a@x.test', '2026-03-01T00:00:00.000Z'],
      ['b@x.test', '2026-03-01T00:00:00.000Z'],
    ],
  );
});

t.test('an object under any other path is still no list of records', async (t) => {
  await t.rejects(run('members.0', BODY), { message: /list of records/ });
});
