/**
 * Load generation with undici, as cheap as the client side can be so that it disturbs the servers
 * as little as possible: `dispatch` with a minimal handler (no stream objects, the body is counted
 * and dropped, never parsed), keep-alive connections, no pipelining.
 *
 * - `hit`: one request; status, body bytes, time to first body byte and total time.
 * - `interleavedLatency`: sequential requests on one keep-alive connection per side, sides
 *   alternating in rounds (latency targets).
 * - `closedLoop`: `concurrency` requests always in flight over a Pool for a fixed time
 *   (throughput targets); counts completions.
 */
import { Client, Pool, type Dispatcher } from 'undici';

export interface Hit {
  status: number;
  bytes: number;
  ttfbMs: number;
  ms: number;
}

export interface Target {
  /** Human label, e.g. "direct" or "gateway". */
  label: string;
  origin: string;
  /** Path + query of request i (lets a target vary a nonce per request). */
  path: (i: number) => string;
  headers: Record<string, string>;
}

export function hit(
  d: Dispatcher,
  origin: string,
  path: string,
  headers: Record<string, string>,
): Promise<Hit> {
  return new Promise<Hit>((resolve, reject) => {
    const t0 = performance.now();
    let status = 0;
    let bytes = 0;
    let ttfb = -1;
    d.dispatch(
      { origin, path, method: 'GET', headers },
      {
        onRequestStart() {},
        onResponseStart(_c, statusCode) {
          status = statusCode;
        },
        onResponseData(_c, chunk) {
          if (ttfb < 0) ttfb = performance.now() - t0;
          bytes += chunk.length;
        },
        onResponseEnd() {
          const ms = performance.now() - t0;
          resolve({ status, bytes, ttfbMs: ttfb < 0 ? ms : ttfb, ms });
        },
        onResponseError(_c, err) {
          reject(err);
        },
      },
    );
  });
}

export function keepAliveClient(origin: string): Client {
  return new Client(origin, { keepAliveTimeout: 60_000, keepAliveMaxTimeout: 120_000, pipelining: 1 });
}

export function pool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 120_000,
    pipelining: 1,
  });
}

/**
 * Keeps `concurrency` requests in flight for `durationMs`; returns completed requests per second.
 * Requests still in flight at the end are awaited but not counted.
 */
export async function closedLoop(
  p: Pool,
  t: Target,
  concurrency: number,
  durationMs: number,
  counter: { i: number },
): Promise<{ rps: number; completed: number; errors: number }> {
  let completed = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  let stopAt = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const r = await hit(p, t.origin, t.path(counter.i++), t.headers);
      if (performance.now() > end) break;
      if (r.status >= 200 && r.status < 300) completed++;
      else errors++;
    }
    stopAt = Math.max(stopAt, performance.now());
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (Math.min(stopAt, end) - t0) / 1000;
  return { rps: completed / seconds, completed, errors };
}

export interface LatencySide {
  label: string;
  /** One sample: performs the request(s) and returns the elapsed ms. */
  sample: () => Promise<number>;
}

/**
 * Interleaved latency: warm-up of every side, then `rounds` rounds in which each side takes
 * `perRound` sequential samples, the order of the sides alternating every round (A B, B A, …).
 * Returns the samples per side and round.
 */
export async function interleavedLatency(
  sides: LatencySide[],
  opts: { rounds: number; perRound: number; warmup: number },
): Promise<number[][][]> {
  for (const side of sides) for (let i = 0; i < opts.warmup; i++) await side.sample();
  const out = sides.map(() => [] as number[][]);
  for (let r = 0; r < opts.rounds; r++) {
    const order = sides.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const s of order) {
      const xs: number[] = [];
      for (let i = 0; i < opts.perRound; i++) xs.push(await (sides[s] as LatencySide).sample());
      (out[s] as number[][]).push(xs);
    }
  }
  return out;
}

/** A sampler for one GET on a keep-alive client; throws on a non-2xx answer. */
export function getSampler(
  client: Client,
  origin: string,
  path: () => string,
  headers: Record<string, string>,
): () => Promise<number> {
  return async () => {
    const p = path();
    const r = await hit(client, origin, p, headers);
    if (r.status < 200 || r.status >= 300) throw new Error(`HTTP ${r.status} for ${origin}${p}`);
    return r.ms;
  };
}
