/**
 * Tenant isolation, for every implemented connector: another tenant's account ids and cursors
 * answer 404 or 400 on every route, never data. The routes come from the OpenAPI document, so a
 * new route is covered (or must be named as tenant-free) without touching this test.
 */
import { forEachConnector, implementedConnectors, type Row } from '../conformance/harness.js';
import type { CallResult } from '../helpers/gateway.js';

const cases = await implementedConnectors();

/** Routes that read no account: they answer the same for every tenant. */
const TENANT_FREE = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /whoami',
  'GET /metrics',
  'POST /integrated-accounts',
]);

interface Operation {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  pathId: boolean;
  accountParam: boolean;
  cursorParam: boolean;
}

forEachConnector(cases, async (t, rig) => {
  const doc = await rig.gw.call('GET', '/openapi.json');
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.body.paths as Record<string, Record<string, Row>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const params: { in: string; name: string }[] = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathId: params.some((p) => p.in === 'path' && p.name === 'id'),
        accountParam: params.some((p) => p.in === 'query' && p.name === 'integrated_account_id'),
        cursorParam: params.some((p) => p.in === 'query' && p.name === 'next_cursor'),
      });
    }
  }
  const scoped = ops.filter((o) => o.pathId || o.accountParam);
  const unscoped = ops.filter((o) => !o.pathId && !o.accountParam && o.path !== '/integrated-accounts');
  t.same(
    unscoped.map((o) => `${o.method} ${o.path}`).filter((k) => !TENANT_FREE.has(k)),
    [],
    'every route reads an account or is named tenant-free here',
  );
  t.ok(scoped.length >= 5, `${scoped.length} account routes walked`);

  // acme holds `shared` (globex connects the same vendor account under the same id) and `own`.
  const [first] = rig.accounts;
  const shared = first!.id;
  const own = `${shared}-acme-only`;
  await rig.cloneAccount(shared, own);
  const sharedView = await rig.gw.call('GET', `/integrated-accounts/${shared}`);
  const globexShared = await rig.gw.call('POST', '/integrated-accounts', {
    tenant: 'globex',
    body: {
      id: shared,
      integration: rig.slug,
      name: 'Globex own account',
      credentials: first!.credentials,
      context: sharedView.body.context,
    },
  });
  t.equal(globexShared.status, 201, 'another tenant may use the same id in its own namespace');
  const acmeName = sharedView.body.name as string;
  const ownBefore = await rig.gw.call('GET', `/integrated-accounts/${own}`);

  const urlOf = (op: Operation, account: string, extra = ''): string => {
    const path = op.path.replace(
      '{id}',
      encodeURIComponent(op.path.startsWith('/integrated-accounts') ? account : 'any-id'),
    );
    const qs = op.accountParam
      ? `?integrated_account_id=${encodeURIComponent(account)}${extra}`
      : extra
        ? `?${extra.slice(1)}`
        : '';
    return `${path}${qs}`;
  };
  const body = (op: Operation) => (op.method === 'PATCH' ? { name: 'taken over' } : undefined);
  const noData = (res: CallResult, what: string) => {
    t.ok([400, 404].includes(res.status), `${what}: ${res.status} ${res.text.slice(0, 160)}`);
    t.notOk(res.body && 'result' in res.body, `${what}: no result`);
    t.notOk(res.text.includes(acmeName), `${what}: nothing of the account`);
  };

  let cursorsTried = 0;
  for (const op of scoped) {
    const what = `${op.method} ${op.path}`;
    noData(
      await rig.gw.call(op.method, urlOf(op, own), { tenant: 'globex', body: body(op) }),
      `${what} with another tenant's account`,
    );
    if (op.cursorParam) {
      // acme's cursor of this route, else of the usage route: either belongs to another tenant.
      const acmePage = await rig.gw.call('GET', urlOf(op, shared, '&limit=1'));
      const usagePage = await rig.usage(
        shared,
        `report_type=${(await rig.gw.call('GET', `/integrated-accounts/${shared}/capabilities`)).body.supported_report_types[0]}&start_date=${rig.spec.range.start_date}&end_date=${rig.spec.range.end_date}&limit=1`,
      );
      const cursor: string | null = acmePage.body?.next_cursor ?? usagePage.body?.next_cursor ?? null;
      t.ok(cursor, `${what}: acme has a cursor to try`);
      if (!cursor) continue;
      cursorsTried++;
      const res = await rig.gw.call(
        'GET',
        urlOf(op, shared, `&limit=1&next_cursor=${encodeURIComponent(cursor)}`),
        {
          tenant: 'globex',
        },
      );
      t.equal(res.status, 400, `${what}: another tenant's cursor on the same account id is refused`);
      t.match(res.body?.code, /^(invalid_cursor|cursor_query_mismatch)$/, `${what}: a cursor code`);
    }
  }
  t.ok(cursorsTried > 0, `${cursorsTried} foreign cursors tried`);

  const list = await rig.gw.call('GET', '/integrated-accounts', { tenant: 'globex' });
  t.same(
    list.body.result.map((a: Row) => a.id),
    [shared],
    "globex's list holds only its own account",
  );
  const ownAfter = await rig.gw.call('GET', `/integrated-accounts/${own}`);
  t.same(ownAfter.body, ownBefore.body, "acme's account is untouched by globex's PATCH and DELETE");
  const sharedAfter = await rig.gw.call('GET', `/integrated-accounts/${shared}`);
  t.equal(sharedAfter.body.name, acmeName, "acme's same-id account is not globex's");
});
