import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime.js';

export const TOKENS = {
  acme: 'acme-token-0123456789abcdef',
  globex: 'globex-token-0123456789abcdef',
} as const;

export interface CallResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON bodies freely
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

export interface TestGateway {
  runtime: Runtime;
  config: Config;
  dataDir: string;
  /** Injects a request with the tenant's bearer token (acme by default). */
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    opts?: { body?: unknown; tenant?: keyof typeof TOKENS | null; headers?: Record<string, string> },
  ): Promise<CallResult>;
  close(): Promise<void>;
}

/** A real gateway (real stores, real engine) on a temp data dir; nothing of ours is mocked. */
export async function startGateway(
  env: Record<string, string> = {},
  extra: Omit<RuntimeOptions, 'config'> = {},
): Promise<TestGateway> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'meterway-test-'));
  const config = loadConfig({
    METERWAY_DATA_DIR: dataDir,
    METERWAY_TOKENS: `acme:${TOKENS.acme},globex:${TOKENS.globex}`,
    METERWAY_SECRET_KEY: randomBytes(32).toString('hex'),
    METERWAY_SANDBOX: 'false',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const runtime = await createRuntime({ config, logger: false, ...extra });
  await runtime.app.ready();
  return {
    runtime,
    config,
    dataDir,
    async call(method, url, opts = {}) {
      const tenant = opts.tenant === undefined ? 'acme' : opts.tenant;
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (tenant) headers.authorization = `Bearer ${TOKENS[tenant]}`;
      const res = await runtime.app.inject({
        method,
        url,
        headers,
        ...(opts.body === undefined ? {} : { payload: opts.body as object }),
      });
      let body: unknown;
      try {
        body = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        body = undefined;
      }
      const result: CallResult = {
        status: res.statusCode,
        body,
        headers: { ...res.headers },
        text: res.body,
      };
      return result;
    },
    async close() {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
