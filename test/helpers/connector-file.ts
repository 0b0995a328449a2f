import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConnectorFile } from '../../src/engine/registry.js';
import type { Account } from '../../src/schemas/account.js';
import type { ConnectorSpec } from '../../src/schemas/connector.js';

/** A connector folder's `connector.yaml`, as text and validated. */
export async function connectorFile(dir: string): Promise<{ text: string; spec: ConnectorSpec }> {
  const file = path.join(dir, 'connector.yaml');
  const text = await readFile(file, 'utf8');
  return { text, spec: parseConnectorFile(text, path.basename(file)) };
}

/** An active account of an integration, for building its requests without a store. */
export function accountOf(integration: string, credentials: Record<string, string>, context = {}): Account {
  return {
    id: 'a1',
    tenant: 't',
    integration,
    name: 'n',
    status: 'active',
    credentials,
    context,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}
