/**
 * Target 7: a response-cache hit vs the same mapped request uncached. Both sides are gateways on
 * the same emulator, asked target 3's unified page (2 vendor pages → 100 rows): one with the real
 * in-memory response cache, warmed by the warm-up requests so every measured request is a hit
 * (0 vendor calls, checked), one with a no-op cache (2 vendor calls every time). Sequential
 * keep-alive requests, interleaved rounds; the ratio of the p50s.
 */
import { getSampler, interleavedLatency, keepAliveClient } from '../lib/load.js';
import { usagePath, GATEWAY_HEADERS, type Rig, type Row } from '../lib/rig.js';
import { median, percentile, round } from '../lib/stats.js';
import { UNIFIED_QS, checkShape } from './latency.js';

const ROUNDS = 5;
const PER_ROUND = 200;
const WARMUP = 200;

export async function runCache(rig: Rig): Promise<Row[]> {
  const emu = await rig.emulator();
  const cached = await rig.gateway('memory');
  const uncached = await rig.gateway('none');
  const path = usagePath(UNIFIED_QS);
  const a = keepAliveClient(cached.url);
  const b = keepAliveClient(uncached.url);
  try {
    await checkShape(uncached, emu, path, { calls: 2, resultCount: 100 });
    await fetch(`${cached.url}${path}`, { headers: GATEWAY_HEADERS }); // fill the cache
    await checkShape(cached, emu, path, { calls: 0, resultCount: 100 });
    const [hit, miss] = await interleavedLatency(
      [
        { label: 'cache hit', sample: getSampler(a, cached.url, () => path, GATEWAY_HEADERS) },
        { label: 'uncached', sample: getSampler(b, uncached.url, () => path, GATEWAY_HEADERS) },
      ],
      { rounds: ROUNDS, perRound: PER_ROUND, warmup: WARMUP },
    );
    const hitP50 = median(hit!.map((xs) => percentile(xs, 50)));
    const missP50 = median(miss!.map((xs) => percentile(xs, 50)));
    // Per-round ratios (both sides ran back to back), then their median.
    const ratio = median(hit!.map((xs, i) => percentile(xs, 50) / percentile(miss![i]!, 50)));
    return [
      {
        id: '7',
        what: 'cache hit vs uncached, unified 100 rows',
        measured: `p50 ${ratio.toFixed(2)}× (${hitP50.toFixed(3)} vs ${missP50.toFixed(3)} ms)`,
        target: 'p50 ≤ 0.60×',
        pass: ratio <= 0.6,
        details: {
          request: path,
          rounds: ROUNDS,
          perRound: PER_ROUND,
          ratio: round(ratio),
          hitP50Ms: round(hitP50),
          uncachedP50Ms: round(missP50),
          hitP99Ms: round(median(hit!.map((xs) => percentile(xs, 99)))),
          uncachedP99Ms: round(median(miss!.map((xs) => percentile(xs, 99)))),
        },
      },
    ];
  } finally {
    await a.close();
    await b.close();
  }
}
