import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Configuration comes only from the environment. Each variable is declared once here with its
 * type, default and description; the README's configuration table is checked against this list.
 */
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);

export const ENV_SCHEMA = Type.Object({
  PORT: Type.Optional(
    Type.String({ pattern: '^[0-9]{1,5}$', description: 'HTTP port (default 3000; 0 picks a free port)' }),
  ),
  HOST: Type.Optional(Type.String({ minLength: 1, description: 'Interface to bind (default 127.0.0.1)' })),
  LOG_LEVEL: Type.Optional(
    Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { description: 'pino log level (default info)' },
    ),
  ),
  METERWAY_DATA_DIR: Type.Optional(
    Type.String({ minLength: 1, description: 'Folder of the embedded store (default ./.data)' }),
  ),
  METERWAY_TOKENS: Type.Optional(
    Type.String({
      pattern: '^([A-Za-z0-9_.-]+:[^,:\\s]{16,})(,[A-Za-z0-9_.-]+:[^,:\\s]{16,})*$',
      description: 'Comma-separated tenant:token pairs; tokens at least 16 characters',
    }),
  ),
  METERWAY_SECRET_KEY: Type.Optional(
    Type.String({ description: 'AES-256 key for credentials at rest: 64 hex chars or base64 of 32 bytes' }),
  ),
  METERWAY_CURSOR_KEY: Type.Optional(
    Type.String({
      minLength: 16,
      description: 'HMAC key that signs cursors (default: derived from METERWAY_SECRET_KEY)',
    }),
  ),
  METERWAY_SANDBOX: Type.Optional(Bool),
  METERWAY_ALLOW_CUSTOM_HOSTS: Type.Optional(Bool),
  REDIS_URL: Type.Optional(
    Type.String({ pattern: '^rediss?://', description: 'Redis URL; when set, every replica shares state' }),
  ),
  METERWAY_REDIS_PREFIX: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_.:{}-]{1,64}$',
      description: 'Prefix of every Redis key (default meterway:), so several gateways can share one Redis',
    }),
  ),
  METERWAY_UPSTREAM_BUDGET: Type.Optional(
    Type.String({ pattern: '^[0-9]{1,4}$', description: 'Upstream calls one request may make (default 50)' }),
  ),
  METERWAY_UPSTREAM_TIMEOUT_MS: Type.Optional(
    Type.String({
      pattern: '^[0-9]{2,6}$',
      description: 'Upper bound of any vendor call timeout in ms (default 30000)',
    }),
  ),
  METERWAY_MAX_BUFFERED_ROWS: Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,7}$',
      description: 'Rows a buffered (non-stream) response may hold (default 10000)',
    }),
  ),
});
type Env = Static<typeof ENV_SCHEMA>;

export interface TenantToken {
  tenant: string;
  token: string;
}

export interface Config {
  port: number;
  host: string;
  logLevel: string;
  dataDir: string;
  tokens: TenantToken[];
  secretKey: string | undefined;
  cursorKey: string | undefined;
  sandbox: boolean;
  allowCustomHosts: boolean;
  redisUrl: string | undefined;
  redisPrefix: string;
  upstreamBudget: number;
  upstreamTimeoutMs: number;
  maxBufferedRows: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env: Record<string, string> = {};
  for (const key of Object.keys(ENV_SCHEMA.properties)) {
    const v = source[key];
    if (v !== undefined && v !== '') env[key] = v;
  }
  const firstError = Value.Errors(ENV_SCHEMA, env).First();
  if (firstError) {
    const name = firstError.path.replace(/^\//, '');
    const desc = (ENV_SCHEMA.properties as Record<string, { description?: string }>)[name]?.description;
    throw new ConfigError(
      `Invalid environment variable ${name}: ${firstError.message}.${desc ? ` Expected: ${desc}.` : ''}`,
    );
  }
  const e = env as Env;
  const tokens = (e.METERWAY_TOKENS ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf(':');
      return { tenant: pair.slice(0, i), token: pair.slice(i + 1) };
    });
  const port = Number(e.PORT ?? '3000');
  if (port > 65535) throw new ConfigError('Invalid environment variable PORT: must be 0..65535.');
  return {
    port,
    host: e.HOST ?? '127.0.0.1',
    logLevel: e.LOG_LEVEL ?? 'info',
    dataDir: e.METERWAY_DATA_DIR ?? '.data',
    tokens,
    secretKey: e.METERWAY_SECRET_KEY,
    cursorKey: e.METERWAY_CURSOR_KEY,
    // Sandbox is on by default only for a gateway nobody configured: a production deployment
    // with tokens never grows fake accounts unless asked.
    sandbox: e.METERWAY_SANDBOX ? e.METERWAY_SANDBOX === 'true' : tokens.length === 0,
    allowCustomHosts: e.METERWAY_ALLOW_CUSTOM_HOSTS === 'true',
    redisUrl: e.REDIS_URL,
    redisPrefix: e.METERWAY_REDIS_PREFIX ?? 'meterway:',
    upstreamBudget: Number(e.METERWAY_UPSTREAM_BUDGET ?? '50'),
    upstreamTimeoutMs: Number(e.METERWAY_UPSTREAM_TIMEOUT_MS ?? '30000'),
    maxBufferedRows: Number(e.METERWAY_MAX_BUFFERED_ROWS ?? '10000'),
  };
}
