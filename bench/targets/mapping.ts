/**
 * Target 1: the compiled `mappings/claude/activity.yaml` (loadMappings → compileMapping) against
 * the hand-written mapper of bench/handwritten, on the same 100k generated Claude Code records,
 * each mapper in its own worker thread (`bench/lib/mapping-worker.ts`; no I/O involved), the
 * runner asking them for passes in turn.
 *
 * Like with like: the hand-written mapper only maps (it does not aggregate), so the target compares
 * map-only throughput; "map + mergeRows" (the engine's aggregation step applied to both outputs)
 * is reported alongside for information. Records are mapped a vendor page (1000) at a time and each
 * page's rows dropped, as the engine does. Both mappers must produce identical rows, else the
 * comparison is void and the target fails.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MapContext } from '../../src/mapping/compile.js';
import { loadMappings } from '../../src/mapping/load.js';
import { mapClaudeCodeActivity } from '../handwritten/claude-code-activity.js';
import { generateClaudeCodeRecords } from '../handwritten/claude-code-records.js';
import { REPO_ROOT, BENCH_DIR } from '../lib/children.js';
import type { MappingPassResult, MappingWorkerData } from '../lib/mapping-worker.js';
import { median, round } from '../lib/stats.js';
import type { Row } from '../lib/rig.js';

const RECORDS = 100_000;
const PAGE = 1000;
const ROUNDS = 5;

/** A mapper in its own worker thread (own V8 isolate), mapping all records once per `pass`. */
async function startMapper(mapper: MappingWorkerData['mapper']): Promise<{
  pass(merge: boolean): Promise<MappingPassResult>;
  stop(): Promise<number>;
}> {
  const data: MappingWorkerData = { mapper, records: RECORDS, page: PAGE, repoRoot: REPO_ROOT };
  // The worker loads the TypeScript sources through tsx's loader, registered in the worker
  // itself (loader hooks of the runner's thread do not reach worker threads on Node 20).
  const entry = pathToFileURL(path.join(BENCH_DIR, 'lib', 'mapping-worker.ts')).href;
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData: data },
  );
  // The next message, or a clear error when the worker fails or exits first (`once` rejects on
  // 'error'; an exit without one would otherwise leave the wait hanging).
  const next = <T>(): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: T) => {
        worker.off('exit', onExit);
        worker.off('error', onError);
        resolve(m);
      };
      const onError = (err: Error) => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        reject(err);
      };
      const onExit = (code: number) => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        reject(new Error(`mapping worker ${mapper} exited (${code})`));
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
    });
  try {
    if ((await next<unknown>()) !== 'ready') throw new Error(`mapping worker ${mapper} did not start`);
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return {
    async pass(merge) {
      worker.postMessage({ merge });
      return next<MappingPassResult>();
    },
    stop: () => worker.terminate(),
  };
}

export async function runMapping(): Promise<Row[]> {
  const compiledSide = await startMapper('compiled');
  const handSide = await startMapper('handwritten').catch(async (err: unknown) => {
    await compiledSide.stop();
    throw err;
  });
  try {
    return await measureBoth(compiledSide, handSide);
  } finally {
    await compiledSide.stop();
    await handSide.stop();
  }
}

type Mapper = Awaited<ReturnType<typeof startMapper>>;

async function measureBoth(compiledSide: Mapper, handSide: Mapper): Promise<Row[]> {
  const measure = async (merge: boolean) => {
    await compiledSide.pass(merge);
    await handSide.pass(merge);
    const c: MappingPassResult[] = [];
    const h: MappingPassResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // A B, then B A: neither side always runs right after the other.
      if (i % 2 === 0) {
        c.push(await compiledSide.pass(merge));
        h.push(await handSide.pass(merge));
      } else {
        h.push(await handSide.pass(merge));
        c.push(await compiledSide.pass(merge));
      }
    }
    return {
      compiled: median(c.map((x) => x.wall)),
      handwritten: median(h.map((x) => x.wall)),
      // Each round's two runs sat next to each other in time, so their ratio cancels most of
      // what other processes on the machine did; the median of those ratios is the result.
      ratio: median(c.map((x, i) => x.wall / h[i]!.wall)),
      compiledPerCpuS: median(c.map((x) => x.cpu)),
      handwrittenPerCpuS: median(h.map((x) => x.cpu)),
      compiledRounds: c.map((x) => Math.round(x.wall)),
      handwrittenRounds: h.map((x) => Math.round(x.wall)),
    };
  };

  const mapOnly = await measure(false);
  const withMerge = await measure(true);
  // Same rows from both, or the comparison means nothing (checked here, in the runner's thread).
  const compiled = (await loadMappings(path.join(REPO_ROOT, 'mappings'))).get('claude')?.get('activity');
  if (!compiled) throw new Error('mappings/claude/activity.yaml not found');
  const ctx: MapContext = { integration: 'claude', accountId: 'acct_bench', reportType: 'activity' };
  const compiledMap = (r: unknown, c: MapContext) => compiled.map(r, c);
  const sample = generateClaudeCodeRecords(2000);
  const same =
    JSON.stringify(sample.flatMap((r) => compiledMap(r, ctx))) ===
    JSON.stringify(sample.flatMap((r) => mapClaudeCodeActivity(r, ctx)));
  const ratio = mapOnly.ratio;
  const k = (x: number) => `${Math.round(x / 1000)}k/s`;
  return [
    {
      id: '1',
      what: 'compiled mapping vs hand-written, 100k records (map only)',
      measured: `${ratio.toFixed(2)}× (${k(mapOnly.compiled)} vs ${k(mapOnly.handwritten)})${same ? '' : ' ROWS DIFFER'}`,
      target: '≥ 0.90×, ≥ 500k/s',
      pass: same && ratio >= 0.9 && mapOnly.compiled >= 500_000,
      details: {
        records: RECORDS,
        rounds: ROUNDS,
        identicalRows: same,
        ratio: round(ratio),
        compiledRecordsPerS: Math.round(mapOnly.compiled),
        handwrittenRecordsPerS: Math.round(mapOnly.handwritten),
        compiledRecordsPerCpuS: Math.round(mapOnly.compiledPerCpuS),
        handwrittenRecordsPerCpuS: Math.round(mapOnly.handwrittenPerCpuS),
        rounds_compiled: mapOnly.compiledRounds,
        rounds_handwritten: mapOnly.handwrittenRounds,
      },
    },
    {
      id: '1b',
      what: '(info) the same with mergeRows after both',
      measured: `${withMerge.ratio.toFixed(2)}× (${k(withMerge.compiled)} vs ${k(withMerge.handwritten)})`,
      target: '—',
      pass: null,
      details: {
        ratio: round(withMerge.ratio),
        compiledRecordsPerS: Math.round(withMerge.compiled),
        handwrittenRecordsPerS: Math.round(withMerge.handwritten),
      },
    },
  ];
}
