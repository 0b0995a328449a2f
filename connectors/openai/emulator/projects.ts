/**
 * `GET /v1/organization/projects` (admin key): the organisation's projects, paged by `after` with
 * `first_id`, `last_id`, `has_more` like the users list; `include_archived` is accepted (no project
 * of the fictional organisation is archived).
 */
import type { RouteContext } from '../../../src/emulator-kit/pipeline.js';
import { badRequest } from '../../../src/emulator-kit/errors.js';
import { PROJECTS } from './org.js';

export const PROJECTS_PATH = '/v1/organization/projects';

/** Stable creation instants (epoch seconds), one per project. */
const CREATED_AT = [1735732800, 1738411200, 1740830400];

export function projectsBody(ctx: RouteContext): object {
  const limit = ctx.query.int('limit', { min: 1, max: 100, fallback: 20 });
  const after = ctx.query.one('after');
  ctx.query.bool('include_archived', false);
  let from = 0;
  if (after !== undefined) {
    const at = PROJECTS.findIndex((p) => p.id === after);
    if (at < 0) throw badRequest(`Invalid 'after': no project ${after}`);
    from = at + 1;
  }
  const data = PROJECTS.slice(from, from + limit).map((p) => ({
    object: 'organization.project',
    id: p.id,
    name: p.name,
    created_at: CREATED_AT[PROJECTS.indexOf(p) % CREATED_AT.length],
    archived_at: null,
    status: 'active',
  }));
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: from + limit < PROJECTS.length,
  };
}
