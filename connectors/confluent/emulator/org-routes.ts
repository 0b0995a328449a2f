/**
 * The Org API lookups the connector joins names from (confluent.md section 7): the environments
 * list and one environment, the organizations list and one organization, in Confluent's list
 * shape (`api_version`, `kind`, `metadata` with `first`/`next` links, `data`), paged with
 * `page_size` (1..100, default 10) and `page_token`.
 */
import { EmulatorError, badRequest } from '../../../src/emulator-kit/errors.js';
import { pageBounds } from '../../../src/emulator-kit/paging.js';
import type { RouteContext } from '../../../src/emulator-kit/pipeline.js';
import { isOffset, tokenCodec } from '../../../src/emulator-kit/tokens.js';
import type { ConfluentControls } from './controls.js';
import { originOf } from './costs.js';
import { ENVIRONMENTS, ORGANIZATION, environmentOf, type Environment } from './org.js';

export const ENVIRONMENTS_PATH = '/org/v2/environments';
export const ORGANIZATIONS_PATH = '/org/v2/organizations';
export const ORG_MAX_PAGE_SIZE = 100;
const ORG_DEFAULT_PAGE_SIZE = 10;

const listToken = tokenCodec<{ offset: number; kind: string }>({
  prefix: 'bHN0',
  toWire: (s) => ({ k: s.kind, o: s.offset }),
  fromWire: (w) => (typeof w.k === 'string' && isOffset(w.o) ? { kind: w.k, offset: w.o } : null),
});

function environmentObject(origin: string, env: Environment): Record<string, unknown> {
  return {
    api_version: 'org/v2',
    kind: 'Environment',
    id: env.id,
    metadata: {
      self: `${origin}${ENVIRONMENTS_PATH}/${env.id}`,
      resource_name: `crn://confluent.cloud/organization=${ORGANIZATION.id}/environment=${env.id}`,
      created_at: env.created_at,
      updated_at: env.created_at,
    },
    display_name: env.display_name,
    stream_governance_config: { package: env.governance },
  };
}

function organizationObject(origin: string): Record<string, unknown> {
  return {
    api_version: 'org/v2',
    kind: 'Organization',
    id: ORGANIZATION.id,
    metadata: {
      self: `${origin}${ORGANIZATIONS_PATH}/${ORGANIZATION.id}`,
      resource_name: `crn://confluent.cloud/organization=${ORGANIZATION.id}`,
      created_at: ORGANIZATION.created_at,
      updated_at: ORGANIZATION.created_at,
    },
    display_name: ORGANIZATION.display_name,
    jit_enabled: false,
  };
}

/** One page of a list, with `first` and `next` links as the Org API writes them. */
function listPage(
  ctx: RouteContext<ConfluentControls>,
  path: string,
  kind: string,
  items: readonly Record<string, unknown>[],
): Record<string, unknown> {
  const pageSize = ctx.query.int('page_size', {
    min: 1,
    max: ORG_MAX_PAGE_SIZE,
    fallback: ORG_DEFAULT_PAGE_SIZE,
  });
  const tokenText = ctx.query.one('page_token');
  let offset = 0;
  if (tokenText !== undefined) {
    const state = listToken.decode(tokenText);
    if (state === null || state.kind !== kind) throw badRequest('page_token is invalid or has expired');
    offset = state.offset;
  }
  const origin = originOf(ctx);
  const link = (token?: string): string =>
    `${origin}${path}?${new URLSearchParams({ page_size: String(pageSize), ...(token ? { page_token: token } : {}) }).toString()}`;
  const page = pageBounds(items.length, offset, pageSize, (o) => listToken.encode({ kind, offset: o }));
  return {
    api_version: 'org/v2',
    kind,
    metadata: { first: link(), ...(page.nextPage ? { next: link(page.nextPage) } : {}) },
    data: items.slice(page.from, page.to),
  };
}

export function listEnvironments(ctx: RouteContext<ConfluentControls>): Record<string, unknown> {
  const origin = originOf(ctx);
  return listPage(
    ctx,
    ENVIRONMENTS_PATH,
    'EnvironmentList',
    ENVIRONMENTS.map((e) => environmentObject(origin, e)),
  );
}

export function getEnvironment(ctx: RouteContext<ConfluentControls>): Record<string, unknown> {
  const env = environmentOf(ctx.params.id ?? '');
  if (!env) throw new EmulatorError(404, 'not_found', `Environment '${ctx.params.id ?? ''}' was not found`);
  return environmentObject(originOf(ctx), env);
}

export function listOrganizations(ctx: RouteContext<ConfluentControls>): Record<string, unknown> {
  return listPage(ctx, ORGANIZATIONS_PATH, 'OrganizationList', [organizationObject(originOf(ctx))]);
}

export function getOrganization(ctx: RouteContext<ConfluentControls>): Record<string, unknown> {
  if (ctx.params.id !== ORGANIZATION.id)
    throw new EmulatorError(404, 'not_found', `Organization '${ctx.params.id ?? ''}' was not found`);
  return organizationObject(originOf(ctx));
}
