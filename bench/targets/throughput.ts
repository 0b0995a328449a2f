/**
 * Targets 4 and 5: throughput, closed loop, 32 requests always in flight over an undici Pool of
 * 32 keep-alive connections, sides taking turns in fixed-length batches (A B C, C B A, …).
 *
 * 4: gateway `raw` for one day (no-op response cache, default logging) vs the same emulator
 *    request sent directly. Every request carries a distinct `remote_query[n]` (and the direct
 *    one the same `&n=`), so the gateway's single-flight cannot merge concurrent identical calls:
 *    each gateway request is one real vendor call. The emulator ignores `n` and serves its
 *    pre-serialized page. The floors 4b and 4c (a minimal Fastify + undici gateway, piping or
 *    parsing the body) run in the same rotation, so all three ratios share one set of direct figures.
 * 5: `GET /whoami` on the gateway (auth, request id, info-level request logging, metrics) vs the
 *    same route on a bare Fastify app (no hooks, logger off) answering the same body.
 *
 * Also reported: CPU ms per request of the server processes (process.cpuUsage over IPC), which
 * shows where the time goes when the 2 cores are shared by load generator and servers.
 */
import { closedLoop, pool, type Target } from '../lib/load.js';
import { cpuMs, type Child } from '../lib/children.js';
import { directPath, usagePath, GATEWAY_HEADERS, VENDOR_HEADERS, type Rig, type Row } from '../lib/rig.js';
import { median, round } from '../lib/stats.js';
import { FLOOR_PARSED, FLOOR_PIPED, RAW_DAY } from './latency.js';

const CONNECTIONS = 32;
const ROUNDS = 4;
const BATCH_MS = 1500;
const WARMUP_MS = 1000;

interface Side {
  target: Target;
  /** Server processes whose CPU this side uses. */
  servers: Child[];
}

interface SideResult {
  rps: number;
  cpuMsPerReq: number;
  rounds: number[];
  errors: number;
}

/**
 * Throughput of each side in rounds: every round measures all sides one after the other (the
 * order reversed every other round), so a round's figures share the machine's state of that
 * moment and per-round ratios against the first side cancel most of it.
 */
async function interleavedThroughput(sides: Side[]): Promise<SideResult[]> {
  const pools = sides.map((side) => pool(side.target.origin, CONNECTIONS));
  const counter = { i: 0 };
  const rps: number[][] = sides.map(() => []);
  const cpu: number[][] = sides.map(() => []);
  const errors = sides.map(() => 0);
  const order = sides.map((_, i) => i);
  try {
    for (let s = 0; s < sides.length; s++)
      await closedLoop(pools[s]!, sides[s]!.target, CONNECTIONS, WARMUP_MS, counter);
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 === 0 ? order : [...order].reverse()) {
        const side = sides[s]!;
        const before = await Promise.all(side.servers.map((c) => c.ask<NodeJS.CpuUsage>('cpu')));
        const res = await closedLoop(pools[s]!, side.target, CONNECTIONS, BATCH_MS, counter);
        const after = await Promise.all(side.servers.map((c) => c.ask<NodeJS.CpuUsage>('cpu')));
        const used = before.reduce((sum, b0, i) => sum + cpuMs(b0, after[i]!), 0);
        rps[s]!.push(res.rps);
        cpu[s]!.push(used / Math.max(1, res.completed));
        errors[s]! += res.errors;
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return sides.map((_, s) => ({
    rps: median(rps[s]!),
    cpuMsPerReq: median(cpu[s]!),
    rounds: rps[s]!.map((x) => Math.round(x)),
    errors: errors[s]!,
  }));
}

function row(
  id: string,
  what: string,
  target: string,
  min: number,
  base: SideResult,
  ours: SideResult,
  extra: Record<string, unknown>,
): Row {
  // Each round ran both sides back to back: the median of the per-round ratios cancels most of
  // what other processes on the machine did meanwhile.
  const ratio = median(ours.rounds.map((x, i) => x / base.rounds[i]!));
  const errors = base.errors + ours.errors;
  return {
    id,
    what,
    measured: `${ratio.toFixed(2)}× (${Math.round(ours.rps)} vs ${Math.round(base.rps)} req/s)${errors ? ` ${errors} ERRORS` : ''}`,
    target,
    pass: ratio >= min && errors === 0,
    details: {
      ...extra,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      batchMs: BATCH_MS,
      ratio: round(ratio),
      rps: Math.round(ours.rps),
      baselineRps: Math.round(base.rps),
      rpsRounds: ours.rounds,
      baselineRpsRounds: base.rounds,
      serverCpuMsPerRequest: round(ours.cpuMsPerReq, 4),
      baselineServerCpuMsPerRequest: round(base.cpuMsPerReq, 4),
      errors,
    },
  };
}

export async function runThroughput(rig: Rig, which: Set<string>): Promise<Row[]> {
  const rows: Row[] = [];
  if (which.has('4')) {
    const emu = await rig.emulator();
    const gw = await rig.gateway('none');
    const direct: Side = {
      target: {
        label: 'direct',
        origin: emu.url,
        path: (i) => directPath(RAW_DAY, `&n=${i}`),
        headers: VENDOR_HEADERS,
      },
      servers: [emu],
    };
    const gateway: Side = {
      target: {
        label: 'gateway',
        origin: gw.url,
        path: (i) =>
          usagePath(`report_type=activity&truto_response_format=raw&date=${RAW_DAY}&remote_query[n]=${i}`),
        headers: GATEWAY_HEADERS,
      },
      servers: [gw, emu],
    };
    const piped = await rig.passthrough(false);
    const parsed = await rig.passthrough(true);
    const floor = (label: string, server: Child): Side => ({
      target: { label, origin: server.url, path: (i) => `/raw?day=${RAW_DAY}&n=${i}`, headers: {} },
      servers: [server, emu],
    });
    // All four in one rotation, so the floors' ratios share row 4's direct figures.
    const [d, g, fp, fj] = await interleavedThroughput([
      direct,
      gateway,
      floor('4b', piped),
      floor('4c', parsed),
    ]);
    rows.push(
      row('4', `raw throughput, ${CONNECTIONS} connections, vs direct`, '≥ 0.50×', 0.5, d!, g!, {
        request: gateway.target.path(0),
        direct: direct.target.path(0),
      }),
    );
    for (const [id, what, side] of [
      ['4b', FLOOR_PIPED, fp!],
      ['4c', FLOOR_PARSED, fj!],
    ] as const) {
      const info = row(id, what, '—', 0, d!, side, { request: `/raw?day=${RAW_DAY}&n=0` });
      rows.push({ ...info, pass: null });
    }
  }
  if (which.has('5')) {
    const bare = await rig.bare();
    const gw = await rig.gateway('none');
    const base: Side = {
      target: { label: 'bare', origin: bare.url, path: () => '/whoami', headers: GATEWAY_HEADERS },
      servers: [bare],
    };
    const ours: Side = {
      target: { label: 'gateway', origin: gw.url, path: () => '/whoami', headers: GATEWAY_HEADERS },
      servers: [gw],
    };
    const [b, g] = await interleavedThroughput([base, ours]);
    rows.push(
      row(
        '5',
        `GET /whoami (all hooks) vs bare Fastify route, ${CONNECTIONS} conns`,
        '≥ 0.80×',
        0.8,
        b!,
        g!,
        {},
      ),
    );
  }
  return rows;
}
