/**
 * Child-process entry for every server the bench drives, so the load generator, the gateway and
 * the vendor never share an event loop. Started by bench/lib/children.ts as
 *
 *   node --import tsx bench/servers.ts '<json ServerSpec>'
 *
 * Roles: `emulator` (the Claude emulator, clock pinned), `fake` (bench/fake-claude-code.ts),
 * `bare` (a bare Fastify no-op route, the floor for target 5), `passthrough` (a minimal Fastify +
 * undici gateway, the floor shown for targets 2 and 4) and `gateway` (createRuntime with a
 * real account pointing at a vendor). Each answers `{type:'ready', url, …}` over IPC, then serves
 * IPC requests `{id, type}` for `cpu` (process.cpuUsage), `rss-reset` and `rss-peak` (peak RSS
 * of this process: the kernel's VmHWM where readable, plus a 5 ms sampler of
 * process.memoryUsage.rss() as a cross-check). Nothing here is part of src/.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RateLimiter } from '../src/engine/rate-limit.js';
import type { ResponseCache } from '../src/engine/cache.js';
import { BENCH_ACCOUNT, BENCH_TOKEN, NOW_ISO, type ServerSpec } from './lib/constants.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
const now = new Date(NOW_ISO);

/** Never stores anything: every request goes to the vendor (targets 2, 3, 4, 6). */
const noCache: ResponseCache = { get: async () => undefined, set: async () => {} };

/**
 * The real in-memory limiter with the connector's rule widened: the Claude connector allows 60
 * vendor calls a minute, which a benchmark would exhaust in its first second. The bucket code
 * still runs on every call, so its cost stays in the measurement.
 */
async function widenedLimiter(): Promise<RateLimiter> {
  const { MemoryRateLimiter } = await import('../src/engine/rate-limit.js');
  const real = new MemoryRateLimiter();
  return {
    take: (key, _rule, maxWaitMs) => real.take(key, { requests: 1_000_000_000, perSeconds: 1 }, maxWaitMs),
  };
}

// Each role imports only what it runs, so e.g. the gateway's memory holds no emulator.
async function start(): Promise<Record<string, unknown>> {
  switch (spec.role) {
    case 'emulator': {
      const { startClaudeEmulator } = await import('../connectors/claude/emulator/index.js');
      const emu = await startClaudeEmulator({ now, logger: false });
      return { url: emu.url };
    }
    case 'fake': {
      const { startFakeClaudeCode } = await import('./fake-claude-code.js');
      const fake = await startFakeClaudeCode({
        recordsPerDay: spec.recordsPerDay,
        modelsPerRecord: spec.modelsPerRecord,
      });
      return { url: fake.url };
    }
    case 'bare': {
      const { default: Fastify } = await import('fastify');
      const app = Fastify();
      app.get('/whoami', async () => ({ tenant: 'bench' }));
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      return { url: address };
    }
    case 'passthrough': {
      // The floor of targets 2 and 4, with no meterway code: what the issue calls a minimal
      // Fastify + undici gateway. One route, one vendor call with undici's request(); the body is
      // piped on untouched, or (parse) read whole and JSON.parse'd once before it is sent.
      const { default: Fastify } = await import('fastify');
      const { request } = await import('undici');
      const { CLAUDE_CODE_REPORT_PATH } = await import('../connectors/claude/emulator/index.js');
      const headers = {
        'x-api-key': spec.apiKey,
        'anthropic-version': '2023-06-01',
        accept: 'application/json',
      };
      const app = Fastify();
      app.get('/raw', async (req, reply) => {
        const q = req.query as { day?: string; n?: string };
        const url = `${spec.vendorUrl}${CLAUDE_CODE_REPORT_PATH}?starting_at=${q.day}&limit=1000${q.n ? `&n=${q.n}` : ''}`;
        const res = await request(url, { headers });
        reply.status(res.statusCode).type('application/json');
        if (!spec.parse) return reply.send(res.body);
        const text = await res.body.text();
        JSON.parse(text);
        return reply.send(text);
      });
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      return { url: address };
    }
    case 'gateway': {
      const { loadConfig } = await import('../src/config.js');
      const { createRuntime } = await import('../src/runtime.js');
      const dataDir = await mkdtemp(path.join(tmpdir(), 'meterway-bench-'));
      // Every exit path goes through process.exit (see the end of this file).
      process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
      // LOG_LEVEL unset: the default (info) request logging runs, to stdout, which the parent
      // points at /dev/null.
      const config = loadConfig({
        METERWAY_DATA_DIR: dataDir,
        METERWAY_TOKENS: `bench:${BENCH_TOKEN}`,
        METERWAY_SECRET_KEY: randomBytes(32).toString('hex'),
        METERWAY_SANDBOX: 'true',
        METERWAY_UPSTREAM_BUDGET: String(spec.budget),
        HOST: '127.0.0.1',
        PORT: '0',
      });
      const runtime = await createRuntime({
        config,
        now: () => now,
        limiter: await widenedLimiter(),
        warn: () => {},
        ...(spec.cache === 'none' ? { cache: noCache } : {}),
      });
      const created = await runtime.app.inject({
        method: 'POST',
        url: '/integrated-accounts',
        headers: { authorization: `Bearer ${BENCH_TOKEN}` },
        payload: {
          id: BENCH_ACCOUNT,
          integration: 'claude',
          name: 'bench',
          credentials: { admin_api_key: spec.apiKey },
          context: { base_url: spec.vendorUrl },
        },
      });
      if (created.statusCode !== 201) throw new Error(`account not created: ${created.body}`);
      const address = await runtime.app.listen({ host: '127.0.0.1', port: 0 });
      return { url: address };
    }
  }
}

// ---- peak RSS -----------------------------------------------------------------------------------

let sampled = 0;
let sampler: NodeJS.Timeout | undefined;
/**
 * BENCH_MEM=1: the sampler also reads process.memoryUsage() (heap, external, array buffers) and
 * keeps the breakdown at the RSS peak and each part's own peak, to tell heap from Buffers/strings.
 */
const memBreakdown = process.env.BENCH_MEM === '1';
type MemParts = Omit<NodeJS.MemoryUsage, 'rss'> & { rss: number };
let atPeak: MemParts | undefined;
let partPeaks: MemParts | undefined;

function sampleParts(): void {
  const m = process.memoryUsage();
  if (!atPeak || m.rss >= atPeak.rss) atPeak = { ...m };
  partPeaks ??= { ...m };
  for (const k of Object.keys(m) as (keyof MemParts)[]) if (m[k] > partPeaks[k]) partPeaks[k] = m[k];
  if (m.rss > sampled) sampled = m.rss;
}

async function vmHwmBytes(): Promise<number | undefined> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** BENCH_MEM=live (with --expose-gc): the heap after a full GC every 200 ms, i.e. what is retained. */
let live: { max: number; samples: number[] } | undefined;
let liveTimer: NodeJS.Timeout | undefined;

async function rssReset(): Promise<{ hwmReset: boolean }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (process.env.BENCH_MEM === 'live' && gc) {
    live = { max: 0, samples: [] };
    if (liveTimer) clearInterval(liveTimer);
    liveTimer = setInterval(() => {
      gc();
      const used = process.memoryUsage().heapUsed;
      if (live) {
        live.max = Math.max(live.max, used);
        live.samples.push(Math.round(used / 1048576));
      }
    }, 200);
    const snapAt = Number(process.env.BENCH_SNAP_MS ?? 0);
    if (snapAt > 0)
      setTimeout(() => {
        void import('node:v8').then((v8) =>
          process.stderr.write(`heap snapshot: ${v8.writeHeapSnapshot(process.env.BENCH_SNAP_FILE)}\n`),
        );
      }, snapAt);
  }
  let hwmReset = false;
  try {
    // "5" resets the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0).
    await writeFile('/proc/self/clear_refs', '5');
    hwmReset = true;
  } catch {
    // not Linux, or not allowed: the sampler alone reports
  }
  sampled = process.memoryUsage.rss();
  atPeak = undefined;
  partPeaks = undefined;
  if (sampler) clearInterval(sampler);
  sampler = setInterval(
    memBreakdown
      ? sampleParts
      : () => {
          const rss = process.memoryUsage.rss();
          if (rss > sampled) sampled = rss;
        },
    5,
  );
  return { hwmReset };
}

async function rssPeak(): Promise<{
  sampled: number;
  hwm: number | undefined;
  now: number;
  atPeak?: MemParts | undefined;
  partPeaks?: MemParts | undefined;
  live?: { max: number; samples: number[] } | undefined;
}> {
  if (sampler) clearInterval(sampler);
  sampler = undefined;
  if (liveTimer) clearInterval(liveTimer);
  liveTimer = undefined;
  const current = process.memoryUsage.rss();
  if (current > sampled) sampled = current;
  return { sampled, hwm: await vmHwmBytes(), now: current, atPeak, partPeaks, live };
}

process.on('message', (msg: { id: number; type: string }) => {
  const reply = (value: unknown) => process.send?.({ id: msg.id, value });
  switch (msg.type) {
    case 'cpu':
      reply(process.cpuUsage());
      break;
    case 'memory':
      reply(process.memoryUsage());
      break;
    case 'rss-reset':
      void rssReset().then(reply);
      break;
    case 'rss-peak':
      void rssPeak().then(reply);
      break;
    case 'gc':
      // Only when started with --expose-gc; lets a measurement start from a collected heap.
      (globalThis as { gc?: () => void }).gc?.();
      reply(true);
      break;
    default:
      reply({ error: `unknown ${msg.type}` });
  }
});
// Exit through process.exit so a --cpu-prof child writes its profile.
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

start().then(
  (info) => process.send?.({ type: 'ready', ...info }),
  (err: unknown) => {
    process.stderr.write(
      `bench server ${spec.role} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
