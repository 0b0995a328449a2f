/**
 * The OpenAI emulator on the emulator kit: the organisation Usage, Costs and Users endpoints
 * (admin key) and the Codex Analytics endpoint (analytics key) of a fictional organisation, with
 * OpenAI's bearer auth, parameter validation and `{ error: { message, type, param, code } }`
 * bodies, a per-key rate limit with Retry-After, and the kit's fault knobs.
 */
import type { FastifyInstance } from 'fastify';
import {
  FaultControls,
  TokenBucketLimiter,
  buildEmulator,
  listen,
  randomId,
  route,
  type AuthRule,
  type ErrorInfo,
  type ErrorKind,
} from '../../../src/emulator-kit/index.js';
import { codexBody, codexInput, usersBody } from './codex.js';
import { costsBody, costsInput, usageBody, usageInput } from './usage.js';
import { PROJECTS_PATH, projectsBody } from './projects.js';

export const SANDBOX_ADMIN_API_KEY = 'sk-admin-kestrel-sandbox-0000000000000000000000';
export const SANDBOX_ANALYTICS_API_KEY = 'sk-proj-kestrel-codex-analytics-000000000000';
/** An ordinary project key: valid at OpenAI, refused by the admin endpoints. */
export const SANDBOX_PROJECT_API_KEY = 'sk-proj-kestrel-plain-0000000000000000000000';
/** Requests per minute per key (undocumented for these endpoints; generous). */
export const RATE_LIMIT_PER_MINUTE = 600;

const TYPES: Record<ErrorKind, { type: string; code: string | null }> = {
  invalid_request: { type: 'invalid_request_error', code: null },
  authentication: { type: 'invalid_request_error', code: 'invalid_api_key' },
  permission: { type: 'invalid_request_error', code: 'insufficient_permissions' },
  not_found: { type: 'invalid_request_error', code: 'not_found' },
  gone: { type: 'invalid_request_error', code: 'cursor_expired' },
  rate_limit: { type: 'rate_limit_exceeded', code: 'rate_limit_exceeded' },
  server: { type: 'server_error', code: null },
  overloaded: { type: 'server_error', code: 'service_unavailable' },
};

/** OpenAI's error body: all four keys always present. */
export function errorBody({ kind, message }: ErrorInfo): object {
  const t = TYPES[kind];
  const param = /'([a-z_]+)'/.exec(message)?.[1] ?? null;
  return { error: { message, type: t.type, param: kind === 'invalid_request' ? param : null, code: t.code } };
}

const missing = {
  status: 401,
  kind: 'authentication',
  message:
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
} as const;
const invalid = (what: string) =>
  ({ status: 401, kind: 'authentication', message: `Incorrect API key provided: ${what}.` }) as const;

const ADMIN_AUTH: AuthRule = {
  credentials: { scheme: 'bearer', keys: [SANDBOX_ADMIN_API_KEY] },
  missing,
  invalid: invalid('the key is not an organization admin key'),
  wrongKind: [SANDBOX_ANALYTICS_API_KEY, SANDBOX_PROJECT_API_KEY].map((credential) => ({
    credential,
    denial: {
      status: 403,
      kind: 'permission',
      message:
        'You have insufficient permissions for this operation. Missing scopes: api.usage.read. An organization admin key (sk-admin-…) is required.',
    },
  })),
};
const CODEX_AUTH: AuthRule = {
  credentials: { scheme: 'bearer', keys: [SANDBOX_ANALYTICS_API_KEY] },
  missing,
  invalid: invalid('the key is not known'),
  wrongKind: [SANDBOX_ADMIN_API_KEY, SANDBOX_PROJECT_API_KEY].map((credential) => ({
    credential,
    denial: {
      status: 403,
      kind: 'permission',
      message: 'This key is missing the codex.enterprise.analytics.read scope.',
    },
  })),
};

export interface OpenAIEmulatorOptions {
  now?: Date | (() => Date);
  logger?: boolean;
  controls?: FaultControls;
}

export function buildOpenAIEmulator(opts: OpenAIEmulatorOptions = {}): {
  app: FastifyInstance;
  controls: FaultControls;
} {
  const controls = opts.controls ?? new FaultControls({ serverErrorStatuses: [500, 503] });
  const limiter = new TokenBucketLimiter(60_000);
  const rateLimit = {
    limiter,
    key: (header: (name: string) => string | undefined) => header('authorization') ?? '',
    limit: () => RATE_LIMIT_PER_MINUTE,
    message: 'Rate limit reached for admin requests. Please try again later.',
  };
  const app = buildEmulator({
    controls,
    errorBody,
    requestId: { header: 'x-request-id', make: () => randomId('req_', 32) },
    families: {
      admin: { auth: ADMIN_AUTH, rateLimit },
      codex: { auth: CODEX_AUTH, rateLimit },
    },
    faultErrors: {
      429: { kind: 'rate_limit', message: 'Rate limit reached for admin requests. Please try again later.' },
      500: {
        kind: 'server',
        message: 'The server had an error while processing your request. Sorry about that!',
      },
      503: { kind: 'overloaded', message: 'The engine is currently overloaded, please try again later.' },
    },
    // The SDK sends brackets (`group_by[]=a`), Python clients repeat keys: both are accepted.
    query: { arrays: ['brackets', 'repeat'] },
    now: opts.now,
    logger: opts.logger ?? false,
    routes: [
      route({
        path: '/v1/organization/usage/:kind',
        family: 'admin',
        validate: usageInput,
        handle: usageBody,
      }),
      route({ path: '/v1/organization/costs', family: 'admin', validate: costsInput, handle: costsBody }),
      route<FaultControls>({
        path: '/v1/organization/users',
        family: 'admin',
        handle: (ctx) => usersBody(ctx),
      }),
      route<FaultControls>({ path: PROJECTS_PATH, family: 'admin', handle: (ctx) => projectsBody(ctx) }),
      route({
        path: '/v1/analytics/codex/workspaces/:workspace_id/usage',
        family: 'codex',
        validate: codexInput,
        handle: codexBody,
      }),
    ],
  });
  return { app, controls };
}

export interface StartOpenAIEmulatorOptions extends OpenAIEmulatorOptions {
  host?: string;
  port?: number;
}
export interface RunningOpenAIEmulator {
  url: string;
  controls: FaultControls;
  close(): Promise<void>;
}

export async function startOpenAIEmulator(
  opts: StartOpenAIEmulatorOptions = {},
): Promise<RunningOpenAIEmulator> {
  const { app, controls } = buildOpenAIEmulator(opts);
  const { url, close } = await listen(app, opts.host ?? '127.0.0.1', opts.port ?? 0);
  return { url, controls, close };
}
