/**
 * The servers shared by the targets, started lazily (so `--only 5` starts only what 5 needs) and
 * stopped once at the end: one Claude emulator, and gateways pointing at it with and without the
 * response cache, plus the request shapes every target uses.
 */
import { SANDBOX_ADMIN_API_KEY, CLAUDE_CODE_REPORT_PATH } from '../../connectors/claude/emulator/index.js';
import { BENCH_ACCOUNT, BENCH_TOKEN } from './constants.js';
import { startServer, type Child } from './children.js';

export { BENCH_ACCOUNT, BENCH_TOKEN };

export interface Row {
  id: string;
  what: string;
  measured: string;
  target: string;
  /** null: an informational row without a target. */
  pass: boolean | null;
  details: Record<string, unknown>;
}

export const GATEWAY_HEADERS = { authorization: `Bearer ${BENCH_TOKEN}` };
/** What the gateway sends the vendor (connector.yaml headers), so "direct" asks the same. */
export const VENDOR_HEADERS = {
  'x-api-key': SANDBOX_ADMIN_API_KEY,
  'anthropic-version': '2023-06-01',
  accept: 'application/json',
};

/** The emulator request the gateway makes for one day: the connector asks for its largest page. */
export function directPath(day: string, extra = ''): string {
  return `${CLAUDE_CODE_REPORT_PATH}?starting_at=${day}&limit=1000${extra}`;
}

export function usagePath(qs: string): string {
  return `/unified/usage-metering/usage?integrated_account_id=${BENCH_ACCOUNT}&${qs}`;
}

export class Rig {
  private readonly started = new Map<string, Promise<Child>>();

  private once(key: string, start: () => Promise<Child>): Promise<Child> {
    let p = this.started.get(key);
    if (!p) {
      p = start();
      this.started.set(key, p);
    }
    return p;
  }

  emulator(): Promise<Child> {
    return this.once('emulator', () => startServer({ role: 'emulator' }));
  }

  /** A gateway on the emulator; `none` = a no-op response cache (every request goes upstream). */
  gateway(cache: 'none' | 'memory'): Promise<Child> {
    return this.once(`gateway-${cache}`, async () => {
      const emu = await this.emulator();
      return startServer({
        role: 'gateway',
        vendorUrl: emu.url,
        apiKey: SANDBOX_ADMIN_API_KEY,
        cache,
        budget: 50,
      });
    });
  }

  /**
   * The floor of targets 2 and 4: a minimal Fastify + undici gateway (no meterway code) on the
   * same emulator, piping the body on (`parse` false) or parsing it once first (`parse` true).
   */
  passthrough(parse: boolean): Promise<Child> {
    return this.once(`passthrough-${parse}`, async () => {
      const emu = await this.emulator();
      return startServer({ role: 'passthrough', vendorUrl: emu.url, apiKey: SANDBOX_ADMIN_API_KEY, parse });
    });
  }

  bare(): Promise<Child> {
    return this.once('bare', () => startServer({ role: 'bare' }));
  }

  async close(): Promise<void> {
    const children = await Promise.allSettled(this.started.values());
    await Promise.all(children.map((c) => (c.status === 'fulfilled' ? c.value.stop() : undefined)));
    this.started.clear();
  }
}

/** Emulator control calls over HTTP (the emulator runs in another process). */
export async function emulatorStats(emu: Child): Promise<number> {
  const res = await fetch(`${emu.url}/__emulator/stats`);
  return ((await res.json()) as { requests: number }).requests;
}

export async function emulatorControls(emu: Child, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emu.url}/__emulator/controls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  if (!res.ok) throw new Error(`emulator controls: HTTP ${res.status} ${await res.text()}`);
}

export const ms = (x: number) => `${x.toFixed(3)} ms`;
