import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from './config.js';
import { createRuntime, PROJECT_ROOT } from './runtime.js';

export const OPENAPI_FILE = path.join(PROJECT_ROOT, 'openapi', 'openapi.json');

/** The OpenAPI document as generated from the route schemas, in its committed text form. */
export async function generateOpenApi(): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'meterway-openapi-'));
  try {
    const config = loadConfig({
      METERWAY_DATA_DIR: dataDir,
      METERWAY_SECRET_KEY: randomBytes(32).toString('hex'),
      METERWAY_SANDBOX: 'false',
      METERWAY_TOKENS: 'docs:docs-token-0123456789abcdef',
    });
    const runtime = await createRuntime({ config, logger: false });
    try {
      await runtime.app.ready();
      return `${JSON.stringify(runtime.app.swagger(), null, 2)}\n`;
    } finally {
      await runtime.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
