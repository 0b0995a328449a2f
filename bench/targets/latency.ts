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
/** Labels of the floor rows (2b/2c here, 4b/4c in throughput.ts): the same minimal gateway. */
export const FLOOR_PIPED = '(floor) the same through a minimal Fastify + undici gateway, body piped';
export const FLOOR_PARSED = "(floor) the same, body read and JSON.parse'd once (raw must, for paging)";
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
      const piped = await rig.passthrough(false);
      const parsed = await rig.passthrough(true);
      const pipedClient = keepAliveClient(piped.url);
      const parsedClient = keepAliveClient(parsed.url);
      const floorPath = () => `/raw?day=${RAW_DAY}`;
      const [d, g, fp, fj] = await interleavedLatency(
        [
          { label: 'direct', sample: getSampler(direct, emu.url, () => directPath(RAW_DAY), VENDOR_HEADERS) },
          { label: 'gateway', sample: getSampler(gateway, gw.url, () => path, GATEWAY_HEADERS) },
          { label: 'minimal', sample: getSampler(pipedClient, piped.url, floorPath, {}) },
          { label: 'minimal+parse', sample: getSampler(parsedClient, parsed.url, floorPath, {}) },
        ],
        { rounds: ROUNDS, perRound: PER_ROUND, warmup: WARMUP },
      ).finally(() => Promise.all([pipedClient.close(), parsedClient.close()]));
      const c = compare(d as number[][], g as number[][]);
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
      for (const [id, what, samples] of [
        ['2b', FLOOR_PIPED, fp],
        ['2c', FLOOR_PARSED, fj],
      ] as const) {
        const cf = compare(d as number[][], samples as number[][]);
        rows.push({
          id,
          what,
          measured: `p50 +${ms(cf.addedP50)} (${cf.p50.toFixed(3)} vs ${cf.directP50.toFixed(3)})`,
          target: '—',
          pass: null,
          details: { request: floorPath(), ...roundAll(cf) },
        });
      }
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
      const json = await jsonWorkOf(gw, emu, path);
      rows.push({
        id: '3b',
        what: '(floor) the JSON work alone in it: parse its 2 vendor pages, serialize its answer',
        measured: `p50 ${ms(json.p50)} (${json.pagesKB} kB of pages, ${json.answerKB} kB answer)`,
        target: '—',
        pass: null,
        details: json,
      });
    }
  } finally {
    await direct.close();
    await gateway.close();
  }
  return rows;
}

/**
 * The part of target 3's added latency no gateway on this machine can avoid: the two vendor pages
 * must be parsed and the 100-row answer serialized and encoded. Timed in the runner process on the
 * very bytes the emulator and the gateway send (JSON.stringify of the parsed answer, so the
 * mapping that makes the rows is not counted).
 */
async function jsonWorkOf(
  gw: Child,
  emu: Child,
  path: string,
): Promise<{ p50: number; p99: number; pagesKB: number; answerKB: number }> {
  const text = async (url: string, headers: Record<string, string>) => {
    const res = await fetch(url, { headers });
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    return res.text();
  };
  const pages = await Promise.all(
    UNIFIED_DAYS.map((day) => text(`${emu.url}${directPath(day)}`, VENDOR_HEADERS)),
  );
  const answer = JSON.parse(await text(`${gw.url}${path}`, GATEWAY_HEADERS)) as unknown;
  const once = () => {
    const t0 = performance.now();
    for (const page of pages) JSON.parse(page);
    Buffer.from(JSON.stringify(answer), 'utf8');
    return performance.now() - t0;
  };
  for (let i = 0; i < WARMUP; i++) once();
  const samples = Array.from({ length: ROUNDS * PER_ROUND }, once);
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  return {
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    pagesKB: Math.round(pages.reduce((n, p) => n + bytes(p), 0) / 1024),
    answerKB: Math.round(bytes(JSON.stringify(answer)) / 1024),
  };
}

function roundAll(c: Compared): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c).map(([k, v]) => [k, Array.isArray(v) ? v : round(v as number)]),
  );
}
