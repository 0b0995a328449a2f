/**
 * The Datadog emulator's `GET /api/v1/org` over loopback: a parent org's keys list the parent and
 * its child orgs, a child org's keys list that org alone, refused keys get 403; the product list
 * of the connector file holds every product family the emulator has data for and every billing
 * dimension its cost endpoints name.
 */
import t from 'tap';
import {
  ALL_ORGS,
  BILLING_DIMENSIONS,
  CHILD_API_KEY,
  CHILD_APPLICATION_KEY,
  CHILD_ORGS,
  PRODUCT_FAMILIES,
  SANDBOX_API_KEY,
  SANDBOX_APPLICATION_KEY,
  startDatadogEmulator,
} from './emulator/index.js';
import { connectorFile } from '../../test/helpers/connector-file.js';

const emu = await startDatadogEmulator({ now: new Date('2026-03-20T12:00:00Z') });
t.teardown(() => emu.close());

interface OrgsAnswer {
  orgs: { public_id: string; name: unknown; created: string }[];
  errors?: unknown;
}

async function orgs(apiKey: string, applicationKey: string): Promise<{ status: number; body: OrgsAnswer }> {
  const res = await fetch(`${emu.url}/api/v1/org`, {
    headers: { 'dd-api-key': apiKey, 'dd-application-key': applicationKey },
  });
  return { status: res.status, body: (await res.json()) as OrgsAnswer };
}

t.test('a parent org lists itself and its child orgs', async (t) => {
  const res = await orgs(SANDBOX_API_KEY, SANDBOX_APPLICATION_KEY);
  t.equal(res.status, 200);
  t.same(
    res.body.orgs.map((o) => o.public_id),
    ALL_ORGS.map((o) => o.publicId),
  );
  for (const o of res.body.orgs) {
    t.type(o.name, 'string');
    t.match(o.created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  }
});

t.test('a child org lists itself only', async (t) => {
  const res = await orgs(CHILD_API_KEY, CHILD_APPLICATION_KEY);
  t.equal(res.status, 200);
  t.same(
    res.body.orgs.map((o) => o.public_id),
    [CHILD_ORGS[0]?.publicId],
  );
});

t.test('refused keys get 403', async (t) => {
  const res = await orgs(SANDBOX_API_KEY, CHILD_APPLICATION_KEY);
  t.equal(res.status, 403);
  t.same(res.body, { errors: ['Forbidden'] });
});

t.test('the products list holds every family and billing dimension the emulator names', async (t) => {
  const { spec } = await connectorFile(import.meta.dirname);
  const ids = new Set((spec.lists?.products?.records ?? []).map((r) => r.id as string));
  t.same(
    PRODUCT_FAMILIES.map((f) => f.id).filter((id) => !ids.has(id)),
    [],
    'every product family is listed',
  );
  t.same(
    BILLING_DIMENSIONS.map((d) => d.id).filter((id) => !ids.has(id)),
    [],
    'every billing dimension is listed',
  );
  t.equal(ids.size, spec.lists?.products?.records?.length, 'ids are unique');
});
