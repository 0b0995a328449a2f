/**
 * `GET /api/v1/org` (List your managed organizations, v1): the organisation of the key pair and,
 * for a parent (root) org, its child organisations, as `{ "orgs": [Organization] }` with no paging.
 * Each org carries its `public_id` (the id usage and cost payloads name it by), `name`,
 * `description`, `created` (`YYYY-MM-DD hh:mm:ss`, UTC) and its billing and subscription types.
 */
import { CHILD_ORGS, type KeyPair, type Org } from './org.js';

export const ORGS_PATH = '/api/v1/org';

/** Stable creation instants, one per org (the parent first). */
const CREATED: Record<string, string> = {
  b7e14c2a9f30: '2021-04-12 09:30:00',
  c41d8e7f0a22: '2022-02-01 14:05:12',
  d9a3b6c15e07: '2023-09-18 08:45:37',
};

function orgObject(org: Org): Record<string, unknown> {
  return {
    public_id: org.publicId,
    name: org.name,
    description: org.parent ? 'Parent organization' : 'Child organization',
    created: CREATED[org.publicId] ?? '2024-01-01 00:00:00',
    billing: { type: 'parent_billing' },
    subscription: { type: 'pro' },
    settings: { private_widget_share: false, saml: { enabled: false } },
    trial: false,
  };
}

/** The caller's org, then (for the parent) its children. */
export function orgsBody(pair: KeyPair): Record<string, unknown> {
  const orgs = pair.org.parent ? [pair.org, ...CHILD_ORGS] : [pair.org];
  return { orgs: orgs.map(orgObject) };
}
