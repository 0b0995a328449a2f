import {
  startClaudeEmulator,
  SANDBOX_ADMIN_API_KEY,
  SANDBOX_ANALYTICS_API_KEY,
  type RunningClaudeEmulator,
} from '../../connectors/claude/emulator/index.js';
import { startGateway, type TestGateway } from './gateway.js';

/** The emulator's clock and the gateway's, pinned so the generated data never moves. */
export const NOW = new Date('2026-03-20T12:00:00Z');

export interface ClaudeRig {
  gw: TestGateway;
  emu: RunningClaudeEmulator;
  /** GET the usage endpoint for the emulator-backed account with this query string. */
  usage(qs: string, tenant?: 'acme' | 'globex'): ReturnType<TestGateway['call']>;
  /** GET the usage endpoint for another of the rig's accounts (an, both). */
  usageOf(account: string, qs: string): ReturnType<TestGateway['call']>;
  close(): Promise<void>;
}

/** A real gateway talking over loopback HTTP to a real Claude emulator. */
export async function startClaudeRig(env: Record<string, string> = {}): Promise<ClaudeRig> {
  const emu = await startClaudeEmulator({ now: NOW, logger: false });
  const gw = await startGateway({ METERWAY_SANDBOX: 'true', ...env }, { now: () => NOW });
  // cc: Console Admin key; an: Enterprise Analytics key; both: the two keys of one organisation.
  for (const [id, credentials] of [
    ['cc', { admin_api_key: SANDBOX_ADMIN_API_KEY }],
    ['an', { analytics_api_key: SANDBOX_ANALYTICS_API_KEY }],
    ['both', { admin_api_key: SANDBOX_ADMIN_API_KEY, analytics_api_key: SANDBOX_ANALYTICS_API_KEY }],
  ] as const) {
    const created = await gw.call('POST', '/integrated-accounts', {
      body: { id, integration: 'claude', name: 'Northwind', credentials, context: { base_url: emu.url } },
    });
    if (created.status !== 201) throw new Error(`account not created: ${created.text}`);
  }
  return {
    gw,
    emu,
    usage: (qs, tenant) =>
      gw.call(
        'GET',
        `/unified/usage-metering/usage?integrated_account_id=cc&${qs}`,
        tenant ? { tenant } : {},
      ),
    usageOf: (account, qs) =>
      gw.call('GET', `/unified/usage-metering/usage?integrated_account_id=${account}&${qs}`),
    async close() {
      await gw.close();
      await emu.close();
    },
  };
}

export { SANDBOX_ADMIN_API_KEY, SANDBOX_ANALYTICS_API_KEY };
