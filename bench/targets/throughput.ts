/**
 * Targets 4 and 5: throughput, closed loop, 32 requests always in flight over an undici Pool of
 * 32 keep-alive connections, sides alternating in fixed-length batches (A B, B A, …).
 *
 * 4: gateway `raw` for one day (no-op response cache, default logging) vs the same emulator
 *    request sent directly. Every request carries a distinct `remote_query[n]` (and the direct
 *    one the same `&n=`), so the gateway's single-flight cannot merge concurrent identical calls:
 *    each gateway request is one real vendor call. The emulator ignores `n` and serves its
 *    pre-serialized page.
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

async function interleavedThroughput(a: Side, b: Side): Promise<[SideResult, SideResult]> {
  const pools = [pool(a.target.origin, CONNECTIONS), pool(b.target.origin, CONNECTIONS)];
  const sides = [a, b];
  const counter = { i: 0 };
  const rps: number[][] = [[], []];
  const cpu: number[][] = [[], []];
  const errors = [0, 0];
  try {
    for (let s = 0; s < 2; s++)
      await closedLoop(pools[s]!, sides[s]!.target, CONNECTIONS, WARMUP_MS, counter);
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 === 0 ? [0, 1] : [1, 0]) {
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
  const result = (s: number): SideResult => ({
    rps: median(rps[s]!),
    cpuMsPerReq: median(cpu[s]!),
    rounds: rps[s]!.map((x) => Math.round(x)),
    errors: errors[s]!,
  });
  return [result(0), result(1)];
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
    const [d, g] = await interleavedThroughput(direct, gateway);
    rows.push(
      row('4', `raw throughput, ${CONNECTIONS} connections, vs direct`, '≥ 0.50×', 0.5, d, g, {
        request: gateway.target.path(0),
        direct: direct.target.path(0),
      }),
    );
    for (const [id, what, parse] of [
      ['4b', FLOOR_PIPED, false],
      ['4c', FLOOR_PARSED, true],
    ] as const) {
      const pt = await rig.passthrough(parse);
      const floor: Side = {
        target: { label: id, origin: pt.url, path: (i) => `/raw?day=${RAW_DAY}&n=${i}`, headers: {} },
        servers: [pt, emu],
      };
      const [d2, f] = await interleavedThroughput(direct, floor);
      const info = row(id, what, '—', 0, d2, f, { request: floor.target.path(0) });
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
    const [b, g] = await interleavedThroughput(base, ours);
    rows.push(
      row(
        '5',
        `GET /whoami (all hooks) vs bare Fastify route, ${CONNECTIONS} conns`,
        '≥ 0.80×',
        0.8,
        b,
        g,
        {},
      ),
    );
  }
  return rows;
}
