/**
 * Admin API organization routes (admin key): `GET /v1/organizations/me` (the organisation the key
 * belongs to) and `GET /v1/organizations/workspaces` (its workspaces, paged by `after_id` /
 * `before_id` with `has_more`, `first_id`, `last_id`, like the users list). The default workspace
 * is no workspace object (usage reports name it `workspace_id: null`), so it is not listed.
 */
import { badRequest } from './errors.js';
import { NORTHWIND_ORG, NORTHWIND_WORKSPACES } from './org.js';
import type { RouteContext } from './route.js';

export const ORGANIZATION_ME_PATH = '/v1/organizations/me';
export const WORKSPACES_PATH = '/v1/organizations/workspaces';

/** Fixed creation instants (the org is fictional; the values only need to be stable). */
const CREATED_AT = [
  '2025-01-06T09:00:00Z',
  '2025-02-03T09:00:00Z',
  '2025-03-03T09:00:00Z',
  '2025-04-07T09:00:00Z',
];
const COLORS = ['#6C5BB9', '#3D8FD1', '#D9822B', '#2F9E6E'];

/** The workspaces the Admin API lists: every one but the default. */
export const LISTED_WORKSPACES = NORTHWIND_WORKSPACES.map((w, i) => ({
  type: 'workspace',
  id: w.id,
  name: w.name,
  created_at: CREATED_AT[i % CREATED_AT.length] as string,
  archived_at: null,
  display_color: COLORS[i % COLORS.length] as string,
})).filter((w) => w.name !== 'Default');

export function organizationMe(ctx: RouteContext): string {
  return ctx.cached('organization|me', () =>
    JSON.stringify({ id: NORTHWIND_ORG.id, type: 'organization', name: NORTHWIND_ORG.name }),
  );
}

export function workspacesList(ctx: RouteContext): string {
  const q = ctx.query;
  const limit = q.int('limit', { min: 1, max: 1000, fallback: 20 });
  const afterId = q.one('after_id');
  const beforeId = q.one('before_id');
  q.bool('include_archived', false);
  if (afterId !== undefined && beforeId !== undefined)
    throw badRequest('after_id and before_id are mutually exclusive');
  const loop = ctx.controls.loopCursor;
  const key = `workspaces|${limit}|${afterId ?? ''}|${beforeId ?? ''}|${loop}`;
  return ctx.cached(key, () => {
    const list = LISTED_WORKSPACES;
    const indexOf = (name: string, id: string): number => {
      const i = list.findIndex((w) => w.id === id);
      if (i < 0) throw badRequest(`${name}: no workspace with id ${id}`);
      return i;
    };
    let from = 0;
    let to = Math.min(list.length, limit);
    // loopCursor: the cursors are ignored and has_more never clears, like a broken upstream.
    if (!loop && afterId !== undefined) {
      from = indexOf('after_id', afterId) + 1;
      to = Math.min(list.length, from + limit);
    } else if (!loop && beforeId !== undefined) {
      to = indexOf('before_id', beforeId);
      from = Math.max(0, to - limit);
    }
    const data = list.slice(from, to);
    const hasMore = beforeId !== undefined && !loop ? from > 0 : to < list.length;
    return JSON.stringify({
      data,
      has_more: loop ? true : hasMore,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    });
  });
}
