/**
 * For every integration with lists: usage rows join to products, organizations and workspaces by
 * id. Every `product.id`, `organization.id` and `resources[].workspace.id` the rows of every report
 * type carry (for every sandbox account, over the conformance range) is found in the list of that
 * kind, read from the same account.
 */
import {
  forEachConnector,
  implementedConnectors,
  rangeQuery,
  supportedReports,
  type Row,
} from '../conformance/harness.js';

const cases = await implementedConnectors();
const withLists = cases.filter((c) => Object.keys(c.connector.spec.lists ?? {}).length > 0);

const KINDS = {
  products: (row: Row): string[] => (row.product?.id ? [row.product.id] : []),
  organizations: (row: Row): string[] => (row.organization?.id ? [row.organization.id] : []),
  workspaces: (row: Row): string[] =>
    ((row.resources ?? []) as Row[]).map((r) => r.workspace?.id).filter((id): id is string => !!id),
} as const;

forEachConnector(withLists, async (t, rig) => {
  let joined = 0;
  let referencedTotal = 0;
  for (const { id: account } of rig.accounts) {
    const referenced: Record<keyof typeof KINDS, Set<string>> = {
      products: new Set(),
      organizations: new Set(),
      workspaces: new Set(),
    };
    for (const report of await supportedReports(rig, account)) {
      const { rows } = await rig.pageAll(account, `report_type=${report}&${rangeQuery(rig.spec)}&limit=1000`);
      for (const row of rows)
        for (const [kind, ids] of Object.entries(KINDS))
          for (const id of ids(row)) referenced[kind as keyof typeof KINDS].add(id);
    }
    for (const [kind, ids] of Object.entries(referenced)) {
      if (ids.size === 0) continue;
      referencedTotal += ids.size;
      await t.test(`${account}: ${kind}`, async (t) => {
        const listed = new Set<string>();
        let cursor: string | null = null;
        do {
          const res = await rig.gw.call(
            'GET',
            `/unified/usage-metering/${kind}?integrated_account_id=${encodeURIComponent(account)}&limit=1000${cursor ? `&next_cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          t.equal(
            res.status,
            200,
            `the ${kind} usage rows reference can be listed: ${res.text.slice(0, 200)}`,
          );
          if (res.status !== 200) return;
          for (const r of res.body.result as Row[]) listed.add(r.id);
          cursor = res.body.next_cursor;
        } while (cursor);
        const unknown = [...ids].filter((id) => !listed.has(id));
        t.same(unknown, [], `every ${kind} id of the usage rows is listed (${ids.size} referenced)`);
        if (unknown.length === 0) joined += ids.size;
      });
    }
  }
  t.equal(joined, referencedTotal, `every referenced id was looked up and found (${referencedTotal})`);
});
