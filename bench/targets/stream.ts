/**
 * Target 6: `truto_response_format=stream` keeps memory flat. A bench-only fake vendor
 * (bench/fake-claude-code.ts) serves 1,000 records a day (one vendor page) with 3 models each,
 * i.e. 3,000 `user_usage` rows a day; the gateway streams 34 days (102,000 rows) and 334 days
 * (1,002,000 rows), all consumed by the client as fast as it can. (The gateway streams an
 * aggregated report a day at a time, reading each day whole first, so more rows a day would
 * measure a bigger step rather than a longer stream, and fewer would not fit 1M rows into the 366
 * days a request may span.)
 *
 * Peak RSS is the gateway process's (kernel VmHWM, reset just before the measured request;
 * cross-checked by a 5 ms sampler inside the gateway). Every measurement uses a fresh gateway
 * process (memory a process once took is not given back, so an earlier big stream would
 * inflate a later small one), warmed by two 3-day streams; sizes alternate (100k, 1M, 1M, 100k,
 * …). First byte = time from sending the request to the first body byte. The gateway has a
 * no-op response cache, so the peak is the streaming path's own and not the fill level of the
 * response cache (a bounded LRU measured by nothing here).
 */
import { Client } from 'undici';
import { startServer, type Child } from '../lib/children.js';
import { BENCH_ACCOUNT, BENCH_TOKEN } from '../lib/constants.js';
import { FAKE_API_KEY } from '../fake-claude-code.js';
import { median, round } from '../lib/stats.js';
import type { Row } from '../lib/rig.js';

const RECORDS_PER_DAY = 1000;
const MODELS_PER_RECORD = 3;
const ROWS_PER_DAY = RECORDS_PER_DAY * MODELS_PER_RECORD;
const END_DAY = '2026-03-20';
const ROUNDS = 3;
const WARMUP_DAYS = 3;
/** Days streamed for "100k" and "1M" rows. */
const SIZES = [34, 334];
const MB = 1024 * 1024;

function streamPath(days: number): string {
  const end = Date.parse(`${END_DAY}T00:00:00Z`);
  const start = new Date(end - days * 86_400_000).toISOString().slice(0, 10);
  return `/unified/usage-metering/usage?integrated_account_id=${BENCH_ACCOUNT}&report_type=user_usage&truto_response_format=stream&start_date=${start}&end_date=${END_DAY}`;
}

interface Streamed {
  status: number;
  rows: number;
  ttfbMs: number;
  ms: number;
  tail: string;
}

/** Reads a whole NDJSON stream, counting lines and keeping only the last bytes. */
function streamRows(client: Client, origin: string, path: string): Promise<Streamed> {
  return new Promise<Streamed>((resolve, reject) => {
    const t0 = performance.now();
    let status = 0;
    let rows = 0;
    let ttfb = -1;
    let tail: Buffer = Buffer.alloc(0);
    client.dispatch(
      { origin, path, method: 'GET', headers: { authorization: `Bearer ${BENCH_TOKEN}` } },
      {
        onRequestStart() {},
        onResponseStart(_c, statusCode) {
          status = statusCode;
        },
        onResponseData(_c, chunk) {
          if (ttfb < 0) ttfb = performance.now() - t0;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
          tail =
            chunk.length >= 512
              ? chunk.subarray(chunk.length - 512)
              : Buffer.concat([tail, chunk]).subarray(-512);
        },
        onResponseEnd() {
          resolve({ status, rows, ttfbMs: ttfb, ms: performance.now() - t0, tail: tail.toString('utf8') });
        },
        onResponseError(_c, err) {
          reject(err);
        },
      },
    );
  });
}

interface Measured {
  rows: number;
  peakMB: number;
  sampledPeakMB: number;
  baselineMB: number;
  ttfbMs: number;
  seconds: number;
  /** BENCH_MEM=1: the gateway's memoryUsage() at its sampled RSS peak and each part's own peak. */
  mem?: string;
}

type MemParts = Record<'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers', number>;

function memLine(at: MemParts | undefined, peaks: MemParts | undefined): string | undefined {
  if (!at || !peaks) return undefined;
  const f = (m: MemParts) =>
    `heapTotal ${(m.heapTotal / MB).toFixed(0)}, heapUsed ${(m.heapUsed / MB).toFixed(0)}, external ${(m.external / MB).toFixed(0)}, arrayBuffers ${(m.arrayBuffers / MB).toFixed(0)}`;
  return `at the RSS peak: ${f(at)}; own peaks: ${f(peaks)} MB`;
}

/** The rows carry the fake vendor's day, so the mapping's date work is really done. */
async function checkDated(gw: Child): Promise<void> {
  const day = '2026-03-19';
  const res = await fetch(
    `${gw.url}/unified/usage-metering/usage?integrated_account_id=${BENCH_ACCOUNT}&report_type=user_usage&date=${day}&limit=1`,
    { headers: { authorization: `Bearer ${BENCH_TOKEN}` } },
  );
  const body = (await res.json()) as { result?: { start_date?: string }[] };
  const got = body.result?.[0]?.start_date;
  if (got !== `${day}T00:00:00.000Z`) throw new Error(`fake vendor rows are not dated ${day}: ${got}`);
}

async function measureOnce(vendor: Child, days: number): Promise<Measured> {
  const size = days * ROWS_PER_DAY;
  const gw = await startServer({
    role: 'gateway',
    vendorUrl: vendor.url,
    apiKey: FAKE_API_KEY,
    cache: 'none',
    budget: 9999,
  });
  const client = new Client(gw.url, { keepAliveTimeout: 60_000, bodyTimeout: 0, headersTimeout: 0 });
  try {
    // Two 3-day streams: six steps through the stream path (one per day) before the measured one.
    for (let i = 0; i < 2; i++) {
      const w = await streamRows(client, gw.url, streamPath(WARMUP_DAYS));
      if (w.status !== 200 || w.rows !== WARMUP_DAYS * ROWS_PER_DAY)
        throw new Error(`warm-up stream: HTTP ${w.status}, ${w.rows} rows`);
    }
    await checkDated(gw);
    const reset = await gw.ask<{ hwmReset: boolean }>('rss-reset');
    const baseline = await gw.ask<{ now: number }>('rss-peak');
    await gw.ask('rss-reset');
    const s = await streamRows(client, gw.url, streamPath(days));
    const peak = await gw.ask<{
      sampled: number;
      hwm: number | undefined;
      atPeak?: MemParts;
      partPeaks?: MemParts;
    }>('rss-peak');
    if (s.status !== 200) throw new Error(`stream: HTTP ${s.status} ${s.tail}`);
    if (s.tail.includes('"error"'))
      throw new Error(`stream ended with an error line: ${s.tail.slice(s.tail.lastIndexOf('{"error"'))}`);
    if (s.rows !== size) throw new Error(`stream: ${s.rows} rows, expected ${size}`);
    const hwm = reset.hwmReset && peak.hwm !== undefined ? peak.hwm : 0;
    return {
      rows: s.rows,
      peakMB: Math.max(hwm, peak.sampled) / MB,
      sampledPeakMB: peak.sampled / MB,
      baselineMB: baseline.now / MB,
      ttfbMs: s.ttfbMs,
      seconds: s.ms / 1000,
      mem: memLine(peak.atPeak, peak.partPeaks),
    };
  } finally {
    await client.close();
    await gw.stop();
  }
}

export async function runStream(log: (msg: string) => void): Promise<Row[]> {
  const vendor = await startServer({
    role: 'fake',
    recordsPerDay: RECORDS_PER_DAY,
    modelsPerRecord: MODELS_PER_RECORD,
  });
  const runs = new Map<number, Measured[]>(SIZES.map((s) => [s, []]));
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const size of r % 2 === 0 ? SIZES : [...SIZES].reverse()) {
        const m = await measureOnce(vendor, size);
        runs.get(size)!.push(m);
        log(
          `  stream ${m.rows} rows: peak ${m.peakMB.toFixed(1)} MB (before ${m.baselineMB.toFixed(1)}), first byte ${m.ttfbMs.toFixed(1)} ms, ${m.seconds.toFixed(1)} s`,
        );
        if (m.mem) log(`    ${m.mem}`);
      }
    }
  } finally {
    await vendor.stop();
  }
  const small = runs.get(SIZES[0]!)!;
  const big = runs.get(SIZES[1]!)!;
  const peakSmall = median(small.map((m) => m.peakMB));
  const peakBig = median(big.map((m) => m.peakMB));
  const ratio = peakBig / peakSmall;
  const ttfb = Math.max(median(small.map((m) => m.ttfbMs)), median(big.map((m) => m.ttfbMs)));
  const pass = ratio <= 1.3 && peakBig <= 200 && peakSmall <= 200 && ttfb <= 50;
  const summary = (ms: Measured[]) => ({
    peakMB: round(median(ms.map((m) => m.peakMB)), 1),
    sampledPeakMB: round(median(ms.map((m) => m.sampledPeakMB)), 1),
    baselineMB: round(median(ms.map((m) => m.baselineMB)), 1),
    firstByteMs: round(median(ms.map((m) => m.ttfbMs)), 1),
    seconds: round(median(ms.map((m) => m.seconds)), 1),
    rowsPerS: Math.round(median(ms.map((m) => m.rows / m.seconds))),
    runs: ms.map((m) => ({
      peakMB: round(m.peakMB, 1),
      firstByteMs: round(m.ttfbMs, 1),
      seconds: round(m.seconds, 1),
    })),
  });
  return [
    {
      id: '6',
      what: `stream ${SIZES[1]! * ROWS_PER_DAY} vs ${SIZES[0]! * ROWS_PER_DAY} rows: gateway peak RSS, 1st byte`,
      measured: `RSS ${ratio.toFixed(2)}× (${peakBig.toFixed(0)} vs ${peakSmall.toFixed(0)} MB), first byte ${ttfb.toFixed(1)} ms`,
      target: '≤ 1.30×, ≤ 200 MB, ≤ 50 ms',
      pass,
      details: {
        report: 'user_usage',
        recordsPerDay: RECORDS_PER_DAY,
        rowsPerDay: ROWS_PER_DAY,
        rounds: ROUNDS,
        ratio: round(ratio),
        rows100k: summary(small),
        rows1M: summary(big),
        rows: SIZES.map((d) => d * ROWS_PER_DAY),
        request1M: streamPath(SIZES[1]!),
      },
    },
  ];
}
