/**
 * Fake of Confluent Cloud's Billing (Costs) API and the Org API lookups, over the fictional
 * "Fjord Freight" organisation (org.ts, lines.ts), on the emulator kit's pipeline: count → delay →
 * HTTP Basic with a Cloud API key and secret → the per-organisation rate limit (answered with
 * `X-RateLimit-*` on every response and `Retry-After` on a 429) → queued faults → parameter
 * validation → the body, pre-serialized and cached → optional truncation.
 *
 * Keys: the billing key (BillingAdmin) may call everything; the viewer key (no billing role) may
 * read the Org API but gets a 403 from `/billing/v1/costs`; anything else is a 401 with
 * `WWW-Authenticate: Basic error="invalid_key"`.
 */
import type { FastifyInstance } from 'fastify';
import type { Denial } from '../../../src/emulator-kit/auth.js';
import type { Admission } from '../../../src/emulator-kit/rate-limit.js';
import {
  buildEmulator,
  listen,
  route,
  type RouteFamily,
  type RouteSpec,
} from '../../../src/emulator-kit/pipeline.js';
import { ConfluentControls, KNOB_SPECS, type ConfluentKnobs } from './controls.js';
import { COSTS_PATH, costsPage, parseCostsQuery, type CostsQuery } from './costs.js';
import { confluentError, newRequestId } from './errors.js';
import { ORGANIZATION } from './org.js';
import {
  ENVIRONMENTS_PATH,
  ORGANIZATIONS_PATH,
  getEnvironment,
  getOrganization,
  listEnvironments,
  listOrganizations,
} from './org-routes.js';

/** A Cloud API key with the BillingAdmin role: the sandbox account's credentials. */
export const SANDBOX_API_KEY = 'FJRDBILL7Q2KX4MZ';
export const SANDBOX_API_SECRET = 'cflt8Hq2vN5xR0mWz3LkP7sT9bYd4FgJ1aCe6UiO2pQrS8tVwX0yZ5nM3hK7jB1l';
/** A Cloud API key of the same organisation without a billing role. */
export const VIEWER_API_KEY = 'FJRDVIEW3N8PL5TA';
export const VIEWER_API_SECRET = 'cflt2Wq9eR4tY6uI8oP0aS1dF3gH5jK7lZ9xC2vB4nM6qW8eR0tY2uI4oP6aS8dF';

export interface ConfluentEmulatorOptions {
  /** Clock for the data horizon and the one-year rule; a function lets a test move time. */
  now?: Date | (() => Date);
  controls?: ConfluentControls;
  logger?: boolean;
  /** Pre-serialized response bodies kept; default 512. */
  pageCacheSize?: number;
}

export interface RunningConfluentEmulator {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:54321`. */
  url: string;
  app: FastifyInstance;
  controls: ConfluentControls;
  close(): Promise<void>;
}

const MISSING: Denial = {
  status: 401,
  kind: 'authentication',
  message: 'Authentication is required: send a Cloud API key and secret with HTTP Basic',
};
const INVALID: Denial = { status: 401, kind: 'authentication', message: 'Invalid API key or secret' };
const NO_BILLING_ROLE: Denial = {
  status: 403,
  kind: 'permission',
  message: 'Forbidden Access: the BillingAdmin or OrganizationAdmin role is required to read costs',
};

/** `X-RateLimit-*` on every answer; the reset is relative seconds, as Confluent sends it. */
function rateHeaders(a: Admission): Record<string, string> {
  const refill = Math.max(1, Math.ceil(((a.limit - a.remaining) * 60) / Math.max(1, a.limit)));
  const reset = a.ok ? refill : a.retryAfterSeconds;
  return {
    'x-ratelimit-limit': String(a.limit),
    'x-ratelimit-remaining': String(a.remaining),
    'x-ratelimit-reset': String(reset),
    ...(a.ok ? {} : { 'retry-after': String(a.retryAfterSeconds) }),
  };
}

function families(controls: ConfluentControls): Record<string, RouteFamily> {
  const rateLimit = {
    limiter: controls.limiter,
    key: ORGANIZATION.id,
    limit: () => controls.rateLimitPerMinute,
    message: 'Too many requests: the organization rate limit was exceeded, retry later',
    headers: rateHeaders,
  };
  const billingKey = { user: SANDBOX_API_KEY, password: SANDBOX_API_SECRET };
  const viewerKey = { user: VIEWER_API_KEY, password: VIEWER_API_SECRET };
  return {
    billing: {
      auth: {
        credentials: { scheme: 'basic', accounts: [billingKey] },
        missing: MISSING,
        invalid: INVALID,
        wrongKind: [{ credential: VIEWER_API_KEY, denial: NO_BILLING_ROLE }],
      },
      rateLimit,
    },
    org: {
      auth: {
        credentials: { scheme: 'basic', accounts: [billingKey, viewerKey] },
        missing: MISSING,
        invalid: INVALID,
      },
      rateLimit,
    },
  };
}

const costs = route<ConfluentControls, CostsQuery>({
  path: COSTS_PATH,
  family: 'billing',
  validate: (ctx) => parseCostsQuery(ctx.query, ctx.now),
  handle: costsPage,
});

const ROUTES: readonly RouteSpec<ConfluentControls, unknown>[] = [
  costs,
  route<ConfluentControls>({ path: ENVIRONMENTS_PATH, family: 'org', handle: listEnvironments }),
  route<ConfluentControls>({ path: `${ENVIRONMENTS_PATH}/:id`, family: 'org', handle: getEnvironment }),
  route<ConfluentControls>({ path: ORGANIZATIONS_PATH, family: 'org', handle: listOrganizations }),
  route<ConfluentControls>({ path: `${ORGANIZATIONS_PATH}/:id`, family: 'org', handle: getOrganization }),
];

export function buildConfluentEmulator(opts: ConfluentEmulatorOptions = {}): {
  app: FastifyInstance;
  controls: ConfluentControls;
} {
  const controls = opts.controls ?? new ConfluentControls();
  const app = buildEmulator<ConfluentControls>({
    controls,
    errorBody: confluentError,
    requestId: { header: 'x-request-id', make: newRequestId },
    families: families(controls),
    routes: ROUTES,
    faultErrors: {
      429: { kind: 'rate_limit', message: 'Too many requests, retry later' },
      500: { kind: 'server', message: 'Oops, something went wrong' },
      503: { kind: 'overloaded', message: 'Service is temporarily unavailable' },
    },
    knobSpecs: KNOB_SPECS,
    query: { arrays: ['repeat'] },
    now: opts.now,
    cacheSize: opts.pageCacheSize ?? 512,
    logger: opts.logger ?? false,
  });
  // Calls per vendor route, so a test can tell window calls from name lookups.
  app.addHook('onRequest', (req, _reply, done) => {
    const path = req.routeOptions.url;
    if (path !== undefined && !path.startsWith('/__emulator')) controls.count(path);
    done();
  });
  // A refused key is told how to authenticate, as the spec's 401 says.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode === 401)
      reply.header(
        'www-authenticate',
        'Basic error="invalid_key", error_description="The API key or secret is invalid"',
      );
    return payload;
  });
  return { app, controls };
}

export async function startConfluentEmulator(
  opts: ConfluentEmulatorOptions & { host?: string; port?: number } = {},
): Promise<RunningConfluentEmulator> {
  const { host = '127.0.0.1', port = 0, ...rest } = opts;
  const { app, controls } = buildConfluentEmulator(rest);
  const { url, close } = await listen(app, host, port);
  return { url, app, controls, close };
}

export type { ConfluentKnobs };
