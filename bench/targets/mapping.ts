/**
 * Target 1: the compiled `mappings/claude/activity.yaml` (loadMappings → compileMapping) against
 * the hand-written mapper of bench/handwritten, on the same 100k generated Claude Code records,
 * in this process (no I/O involved).
 *
 * Like with like: the hand-written mapper only maps (it does not aggregate), so the target compares
 * map-only throughput; "map + mergeRows" (the engine's aggregation step applied to both outputs)
 * is reported alongside for information. Records are mapped a vendor page (1000) at a time and each
 * page's rows dropped, as the engine does. Both mappers must produce identical rows, else the
 * comparison is void and the target fails.
 */
import path from 'node:path';
import { mergeRows, type MapContext } from '../../src/mapping/compile.js';
import { loadMappings } from '../../src/mapping/load.js';
import type { UsageRow } from '../../src/schemas/usage.js';
import { mapClaudeCodeActivity } from '../handwritten/claude-code-activity.js';
import { generateClaudeCodeRecords } from '../handwritten/claude-code-records.js';
import { REPO_ROOT } from '../lib/children.js';
import { median, round } from '../lib/stats.js';
import type { Row } from '../lib/rig.js';

const RECORDS = 100_000;
const PAGE = 1000;
const ROUNDS = 5;

type Mapper = (record: unknown, ctx: MapContext) => UsageRow[];

export async function runMapping(): Promise<Row[]> {
  const compiled = (await loadMappings(path.join(REPO_ROOT, 'mappings'))).get('claude')?.get('activity');
  if (!compiled) throw new Error('mappings/claude/activity.yaml not found');
  const records = generateClaudeCodeRecords(RECORDS);
  const ctx: MapContext = { integration: 'claude', accountId: 'acct_bench', reportType: 'activity' };
  const compiledMap: Mapper = (r, c) => compiled.map(r, c);

  /** One pass over all records: records per second of wall time and of process CPU time. */
  const run = (map: Mapper, merge: boolean): { wall: number; cpu: number } => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let sink = 0;
    for (let start = 0; start < records.length; start += PAGE) {
      const end = Math.min(start + PAGE, records.length);
      let rows: UsageRow[] = [];
      for (let i = start; i < end; i++) {
        const out = map(records[i], ctx);
        for (let j = 0; j < out.length; j++) rows.push(out[j] as UsageRow);
      }
      if (merge) rows = mergeRows(rows);
      sink += rows.length;
    }
    if (sink === 0) throw new Error('no rows');
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return {
      wall: (records.length / wallMs) * 1000,
      cpu: (records.length / ((c.user + c.system) / 1000)) * 1000,
    };
  };

  const measure = (merge: boolean) => {
    for (let w = 0; w < 1; w++) {
      run(compiledMap, merge);
      run(mapClaudeCodeActivity, merge);
    }
    const c: { wall: number; cpu: number }[] = [];
    const h: { wall: number; cpu: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // A B, then B A: neither side always runs right after a GC-heavy turn of the other.
      if (i % 2 === 0) {
        c.push(run(compiledMap, merge));
        h.push(run(mapClaudeCodeActivity, merge));
      } else {
        h.push(run(mapClaudeCodeActivity, merge));
        c.push(run(compiledMap, merge));
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

  const mapOnly = measure(false);
  const withMerge = measure(true);
  // Same rows from both, or the comparison means nothing. Checked after timing, so that the
  // check's other call sites (flatMap, JSON.stringify of the rows) do not shape the JIT state of
  // the timed loops: run first, they made the timed runs of both mappers 2-3× slower.
  const sample = records.slice(0, 2000);
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
