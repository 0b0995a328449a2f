/**
 * Targets 2 and 3: latency the gateway adds over calling the emulator directly, sequential
 * requests on one keep-alive connection per server, interleaved rounds.
 *
 * The gateway here has a no-op response cache (every request really goes to the emulator) and
 * the default log level. "Direct" sends exactly the vendor request(s) the gateway sends for the
 * same question (`starting_at=<day>&limit=1000` with the connector's headers), so the difference
 * is the gateway's own work plus one extra loopback hop.
 *
 * 2: `truto_response_format=raw&date=2026-03-10` (1 vendor call, 35 records, ~27 kB) vs that one
 *    emulator request.
 * 3: `unified` first page, `report_type=activity&start_date=2026-03-10&end_date=2026-03-12&limit=100`
 *    (the whole of 03-10, 78 rows, plus 22 rows of 03-11: exactly 100 rows, 2 vendor calls, parse
 *    + map + merge + serialize) vs the same two emulator requests one after the other. No day of
 *    the emulator's org has 100 rows, hence the two-day range.
 */
import {
  emulatorStats,
  directPath,
  usagePath,
  GATEWAY_HEADERS,
  VENDOR_HEADERS,
  ms,
  type Rig,
  type Row,
} from '../lib/rig.js';
import { getSampler, interleavedLatency, keepAliveClient, hit } from '../lib/load.js';
import { median, percentile, round } from '../lib/stats.js';
import type { Child } from '../lib/children.js';

export const RAW_DAY = '2026-03-10';
export const UNIFIED_QS = 'report_type=activity&start_date=2026-03-10&end_date=2026-03-12&limit=100';
export const UNIFIED_DAYS = ['2026-03-10', '2026-03-11'];
const ROUNDS = 5;
const PER_ROUND = 200;
const WARMUP = 200;

/** Checks a gateway request does what the comparison assumes: rows and vendor calls. */
export async function checkShape(
  gw: Child,
  emu: Child,
  path: string,
  expect: { calls: number; resultCount?: number },
): Promise<void> {
  const before = await emulatorStats(emu);
  const res = await fetch(`${gw.url}${path}`, { headers: GATEWAY_HEADERS });
  const body = (await res.json()) as { result_count?: number };
  const calls = (await emulatorStats(emu)) - before;
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(body)}`);
  if (calls !== expect.calls)
    throw new Error(`${path}: ${calls} vendor calls, expected ${expect.calls} (is the cache really off?)`);
  if (expect.resultCount !== undefined && body.result_count !== expect.resultCount) {
    throw new Error(`${path}: result_count ${body.result_count}, expected ${expect.resultCount}`);
  }
}

interface Compared {
  p50: number;
  p99: number;
  addedP50: number;
  addedP99: number;
  directP50: number;
  directP99: number;
  roundsAddedP50: number[];
}

function compare(direct: number[][], gateway: number[][]): Compared {
  const addedP50 = direct.map((d, i) => percentile(gateway[i] as number[], 50) - percentile(d, 50));
  const addedP99 = direct.map((d, i) => percentile(gateway[i] as number[], 99) - percentile(d, 99));
  return {
    p50: median(gateway.map((g) => percentile(g, 50))),
    p99: median(gateway.map((g) => percentile(g, 99))),
    directP50: median(direct.map((d) => percentile(d, 50))),
    directP99: median(direct.map((d) => percentile(d, 99))),
    addedP50: median(addedP50),
    addedP99: median(addedP99),
    roundsAddedP50: addedP50.map((x) => round(x)),
  };
}

export async function runLatency(rig: Rig, which: Set<string>): Promise<Row[]> {
  const emu = await rig.emulator();
  const gw = await rig.gateway('none');
  const direct = keepAliveClient(emu.url);
  const gateway = keepAliveClient(gw.url);
  const rows: Row[] = [];
  try {
    if (which.has('2')) {
      const path = usagePath(`report_type=activity&truto_response_format=raw&date=${RAW_DAY}`);
      await checkShape(gw, emu, path, { calls: 1 });
      const pt = await rig.passthrough();
      const floor = keepAliveClient(pt.url);
      const [d, g, f] = await interleavedLatency(
        [
          { label: 'direct', sample: getSampler(direct, emu.url, () => directPath(RAW_DAY), VENDOR_HEADERS) },
          { label: 'gateway', sample: getSampler(gateway, gw.url, () => path, GATEWAY_HEADERS) },
          { label: 'passthrough', sample: getSampler(floor, pt.url, () => `/raw?day=${RAW_DAY}`, {}) },
        ],
        { rounds: ROUNDS, perRound: PER_ROUND, warmup: WARMUP },
      ).finally(() => floor.close());
      const c = compare(d as number[][], g as number[][]);
      const cf = compare(d as number[][], f as number[][]);
      rows.push({
        id: '2',
        what: `added latency, raw, 1 day (${RAW_DAY}), vs direct`,
        measured: `p50 +${ms(c.addedP50)} (${c.p50.toFixed(3)} vs ${c.directP50.toFixed(3)})`,
        target: 'p50 ≤ +0.3 ms',
        pass: c.addedP50 <= 0.3,
        details: {
          request: path,
          direct: directPath(RAW_DAY),
          rounds: ROUNDS,
          perRound: PER_ROUND,
          ...roundAll(c),
        },
      });
      rows.push({
        id: '2b',
        what: '(info) the same for a pass-through (one route, same HTTP client)',
        measured: `p50 +${ms(cf.addedP50)} (${cf.p50.toFixed(3)} vs ${cf.directP50.toFixed(3)})`,
        target: '—',
        pass: null,
        details: { request: `/raw?day=${RAW_DAY}`, ...roundAll(cf) },
      });
    }
    if (which.has('3')) {
      const path = usagePath(UNIFIED_QS);
      await checkShape(gw, emu, path, { calls: 2, resultCount: 100 });
      const bothDays = async () => {
        const t0 = performance.now();
        for (const day of UNIFIED_DAYS) {
          const r = await hit(direct, emu.url, directPath(day), VENDOR_HEADERS);
          if (r.status !== 200) throw new Error(`direct ${day}: HTTP ${r.status}`);
        }
        return performance.now() - t0;
      };
      const [d, g] = await interleavedLatency(
        [
          { label: 'direct', sample: bothDays },
          { label: 'gateway', sample: getSampler(gateway, gw.url, () => path, GATEWAY_HEADERS) },
        ],
        { rounds: ROUNDS, perRound: PER_ROUND, warmup: WARMUP },
      );
      const c = compare(d as number[][], g as number[][]);
      rows.push({
        id: '3',
        what: 'added latency, unified 100 rows (2 vendor pages), vs direct',
        measured: `p50 +${ms(c.addedP50)}, p99 +${ms(c.addedP99)} (p50 ${c.p50.toFixed(3)} vs ${c.directP50.toFixed(3)})`,
        target: 'p50 ≤ +0.8 ms, p99 ≤ +2 ms',
        pass: c.addedP50 <= 0.8 && c.addedP99 <= 2,
        details: {
          request: path,
          direct: UNIFIED_DAYS.map((day) => directPath(day)),
          rounds: ROUNDS,
          perRound: PER_ROUND,
          ...roundAll(c),
        },
      });
    }
  } finally {
    await direct.close();
    await gateway.close();
  }
  return rows;
}

function roundAll(c: Compared): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c).map(([k, v]) => [k, Array.isArray(v) ? v : round(v as number)]),
  );
}
