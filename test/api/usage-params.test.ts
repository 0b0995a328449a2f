import t from 'tap';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGateway } from '../helpers/gateway.js';
import { parseQueryString, splitListParams } from '../../src/http/query.js';
import { ARRAY_PARAMS } from '../../src/schemas/usage-query.js';

const BASE = '/unified/usage-metering/usage?integrated_account_id=';

t.test('query parameter validation', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  const get = (qs: string) => gw.call('GET', `/unified/usage-metering/usage?${qs}`);

  const cases: { qs: string; code: string; param?: string; message: RegExp; allowed?: string[] }[] = [
    {
      qs: '',
      code: 'invalid_parameter',
      param: 'integrated_account_id',
      message: /Missing required parameter "integrated_account_id"/,
    },
    {
      qs: 'integrated_account_id=a&report_type=weekly',
      code: 'invalid_parameter',
      param: 'report_type',
      message: /"report_type": must be one of activity, connector_usage, cost/,
      allowed: [
        'activity',
        'connector_usage',
        'cost',
        'project_usage',
        'skill_usage',
        'summary',
        'usage',
        'user_cost',
        'user_usage',
      ],
    },
    {
      qs: 'integrated_account_id=a&truto_response_format=xml',
      code: 'invalid_parameter',
      param: 'truto_response_format',
      message: /must be one of unified, raw, normalized, stream, debug/,
    },
    {
      qs: 'integrated_account_id=a&limit=0',
      code: 'invalid_parameter',
      param: 'limit',
      message: /"limit": must be >= 1/,
    },
    {
      qs: 'integrated_account_id=a&limit=1001',
      code: 'invalid_parameter',
      param: 'limit',
      message: /"limit": must be <= 1000/,
    },
    {
      qs: 'integrated_account_id=a&limit=ten',
      code: 'invalid_parameter',
      param: 'limit',
      message: /"limit": must be integer/,
    },
    {
      qs: 'integrated_account_id=a&limit=1.5',
      code: 'invalid_parameter',
      param: 'limit',
      message: /"limit"/,
    },
    {
      qs: 'integrated_account_id=a&limit=1&limit=2',
      code: 'invalid_parameter',
      param: 'limit',
      message: /"limit"/,
    },
    {
      qs: 'integrated_account_id=a&start_date=yesterday',
      code: 'invalid_parameter',
      param: 'start_date',
      message: /"start_date"/,
    },
    {
      qs: 'integrated_account_id=a&start_date=2026-02-30',
      code: 'invalid_parameter',
      param: 'start_date',
      message: /not a real/,
    },
    {
      qs: 'integrated_account_id=a&end_date=2026-13-01',
      code: 'invalid_parameter',
      param: 'end_date',
      message: /"end_date"/,
    },
    {
      qs: 'integrated_account_id=a&start_date=2026-03-05&end_date=2026-03-01',
      code: 'invalid_parameter',
      param: 'end_date',
      message: /is not after start_date/,
    },
    {
      qs: 'integrated_account_id=a&start_date=2026-03-05&end_date=2026-03-05',
      code: 'invalid_parameter',
      param: 'end_date',
      message: /end exclusive/,
    },
    {
      qs: 'integrated_account_id=a&date=2026-3-1',
      code: 'invalid_parameter',
      param: 'date',
      message: /"date"/,
    },
    {
      qs: 'integrated_account_id=a&colour=blue',
      code: 'unknown_parameter',
      param: 'colour',
      message: /Unknown parameter "colour"/,
    },
    {
      qs: 'integrated_account_id=a&group_by=week',
      code: 'invalid_parameter',
      param: 'group_by[0]',
      message: /must be one of product, surface, model, user/,
    },
    {
      qs: 'integrated_account_id=a&granularity=week',
      code: 'invalid_parameter',
      param: 'granularity',
      message: /must be one of day, hour, minute/,
    },
    {
      qs: 'integrated_account_id=a&sort_order=up',
      code: 'invalid_parameter',
      param: 'sort_order',
      message: /must be one of asc, desc/,
    },
    {
      qs: 'integrated_account_id=a&truto_ignore_limit=maybe',
      code: 'invalid_parameter',
      param: 'truto_ignore_limit',
      message: /boolean/,
    },
    {
      qs: 'integrated_account_id=a&include_deleted_users=2',
      code: 'invalid_parameter',
      param: 'include_deleted_users',
      message: /boolean/,
    },
    {
      qs: 'integrated_account_id=a&remote_query=plain',
      code: 'invalid_parameter',
      param: 'remote_query',
      message: /"remote_query"/,
    },
    { qs: 'integrated_account_id=a&page=0', code: 'invalid_parameter', param: 'page', message: /"page"/ },
    {
      qs: 'integrated_account_id=a&page_size=5000',
      code: 'invalid_parameter',
      param: 'page_size',
      message: /"page_size"/,
    },
    {
      qs: 'integrated_account_id=a&next_cursor=x&cursor=y',
      code: 'invalid_parameter',
      param: 'cursor',
      message: /not two different/,
    },
  ];
  for (const c of cases) {
    const res = await get(c.qs);
    t.equal(res.status, 400, `${c.qs} → 400`);
    t.equal(res.body.code, c.code, `${c.qs} → ${c.code}`);
    t.match(res.body.message, c.message, `${c.qs} message`);
    if (c.param) t.equal(res.body.details?.parameter, c.param, `${c.qs} names ${c.param}`);
    if (c.allowed) t.same(res.body.details?.allowed, c.allowed, `${c.qs} lists the allowed values`);
  }

  // Accepted shapes reach the account lookup (404), proving validation passed.
  const accepted = [
    'integrated_account_id=nope',
    'integrated_account_id=nope&model_ids=a,b',
    'integrated_account_id=nope&model_ids=a&model_ids=b',
    'integrated_account_id=nope&model_ids[]=a&model_ids[]=b',
    'integrated_account_id=nope&model_ids[0]=a&model_ids[1]=b',
    'integrated_account_id=nope&truto_exclude_fields[]=remote_data&truto_exclude_fields=usage.tokens',
    'integrated_account_id=nope&remote_query[foo]=bar&remote_query[baz]=1',
    'integrated_account_id=nope&group_by=model,user&granularity=hour',
    'integrated_account_id=nope&start_date=2026-03-01&end_date=2026-03-05T12:00:00Z',
    'integrated_account_id=nope&start_date=2026-03-01T00:00:00%2B02:00',
    'integrated_account_id=nope&next_cursor=',
    'integrated_account_id=nope&limit=1000&truto_ignore_limit=true&truto_ignore_remote_data=false',
    'integrated_account_id=nope&date=2026-03-01&user_id=u1&api_key_id=k1&page=2&page_size=50&sort_by=cost&sort_order=desc',
  ];
  for (const qs of accepted) {
    const res = await get(qs);
    t.equal(res.status, 404, `${qs} passes validation`);
    t.equal(res.body.code, 'account_not_found');
    t.equal(res.body.details?.parameter, 'integrated_account_id');
  }
});

t.test('an integration without a usage connector answers 501', async (t) => {
  // Every shipped vendor serves usage, so the declared-only connector is one of the test's own.
  const connectorsDir = await mkdtemp(path.join(tmpdir(), 'meterway-connectors-'));
  t.teardown(() => rm(connectorsDir, { recursive: true, force: true }));
  await mkdir(path.join(connectorsDir, 'acme'));
  await writeFile(
    path.join(connectorsDir, 'acme', 'connector.yaml'),
    [
      'slug: acme',
      'name: Acme (declared, not implemented)',
      'docs_url: https://docs.acme.example',
      'base_url: https://api.acme.example',
      'allowed_hosts: [api.acme.example]',
      "credentials: { api_key: { description: 'key', required: true } }",
    ].join('\n'),
  );
  const gw = await startGateway({}, { connectorsDir });
  t.teardown(() => gw.close());
  await gw.call('POST', '/integrated-accounts', {
    body: { id: 'dd', integration: 'acme', credentials: { api_key: 'acme-key-0123456789' } },
  });
  const res = await gw.call('GET', `${BASE}dd`);
  t.equal(res.status, 501);
  t.equal(res.body.code, 'not_implemented');
  t.match(res.body.message, /acme integration has no usage connector yet/);
});

t.test('accounts that are blocked or need re-authentication answer 503', async (t) => {
  const gw = await startGateway();
  t.teardown(() => gw.close());
  await gw.call('POST', '/integrated-accounts', {
    body: { id: 'c1', integration: 'cursor', credentials: { api_key: 'crsr_0123456789abcdef' } },
  });
  await gw.call('PATCH', '/integrated-accounts/c1', { body: { status: 'needs_reauth' } });
  const reauth = await gw.call('GET', `${BASE}c1`);
  t.equal(reauth.status, 503);
  t.equal(reauth.body.code, 'account_needs_reauth');
  t.match(reauth.body.message, /PATCH \/integrated-accounts\/c1/);
  await gw.call('PATCH', '/integrated-accounts/c1', { body: { status: 'blocked' } });
  const blocked = await gw.call('GET', `${BASE}c1`);
  t.equal(blocked.body.code, 'account_blocked');
});

t.test('list parameters in every client style', async (t) => {
  const styles = ['a=x,y', 'a=x&a=y', 'a[]=x&a[]=y', 'a[0]=x&a[1]=y', 'a=x&a[]=y', 'a=x, y,'];
  for (const style of styles) {
    const q = parseQueryString(style.replaceAll('a', 'model_ids'));
    splitListParams(q, ARRAY_PARAMS);
    t.same(q.model_ids, ['x', 'y'], style);
  }
  const obj = parseQueryString('remote_query[foo]=bar&remote_query[x.y]=1');
  t.same(obj.remote_query, { foo: 'bar', 'x.y': '1' }, 'objects keep dotted keys');
});
