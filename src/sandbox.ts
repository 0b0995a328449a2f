import { readdir, readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AccountStore } from './store/account-store.js';
import type { Account } from './schemas/account.js';
import { generateToken } from './auth.js';

/** What a connector's `emulator/index` module offers the sandbox. */
export interface SandboxAccountSpec {
  id: string;
  name: string;
  credentials: Record<string, string>;
  context?: Record<string, string>;
}
export interface EmulatorModule {
  emulator: { start(opts: { host: string; port: number }): Promise<{ url: string; close(): Promise<void> }> };
  sandboxAccounts: SandboxAccountSpec[];
}

export interface RunningSandbox {
  accounts: { id: string; integration: string; url: string }[];
  close(): Promise<void>;
}

/**
 * Starts every connector's emulator on loopback and points a ready account at each, so a
 * gateway nobody configured serves real-looking answers at once. Emulators are found by folder,
 * like connectors: nothing here names a vendor.
 */
export async function startSandbox(store: AccountStore, tenant: string): Promise<RunningSandbox> {
  // Emulators are code: look beside this module (src/ under tsx, dist/src/ when built).
  const connectorsDir = fileURLToPath(new URL('../connectors/', import.meta.url));
  const running: { close(): Promise<void> }[] = [];
  const accounts: RunningSandbox['accounts'] = [];
  const ext = path.extname(new URL(import.meta.url).pathname); // .ts under tsx, .js when built
  for (const entry of (await readdir(connectorsDir, { withFileTypes: true })).filter((e) =>
    e.isDirectory(),
  )) {
    const file = path.join(connectorsDir, entry.name, 'emulator', `index${ext}`);
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as EmulatorModule;
    const server = await mod.emulator.start({ host: '127.0.0.1', port: 0 });
    running.push(server);
    for (const spec of mod.sandboxAccounts) {
      const now = new Date().toISOString();
      const account: Account = {
        id: spec.id,
        tenant,
        integration: entry.name,
        name: spec.name,
        status: 'active',
        credentials: spec.credentials,
        context: pointAtEmulator(spec.context, server.url),
        created_at: now,
        updated_at: now,
      };
      const existing = await store.get(tenant, spec.id);
      if (existing) await store.update({ ...account, created_at: existing.created_at });
      else await store.create(account);
      accounts.push({ id: spec.id, integration: entry.name, url: server.url });
    }
  }
  return {
    accounts,
    async close() {
      await Promise.all(running.map((r) => r.close()));
    },
  };
}

/**
 * A sandbox account's context with every vendor address aimed at its emulator: `base_url`, and
 * each `*_base_url` field the account names (a vendor's second API, served by the same emulator).
 */
export function pointAtEmulator(
  context: Record<string, string> | undefined,
  url: string,
): Record<string, string> {
  const out: Record<string, string> = { ...context, base_url: url };
  for (const field of Object.keys(out)) if (field.endsWith('_base_url')) out[field] = url;
  return out;
}

/** The sandbox tenant's token survives restarts so copied curl commands keep working. */
export async function sandboxToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'sandbox-token');
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (text.length >= 16) return text;
  } catch {
    // first run
  }
  const token = generateToken();
  await mkdir(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  await rename(tmp, file);
  return token;
}
