/**
 * Worker thread of target 1: maps the generated Claude Code records with ONE mapper (compiled or
 * hand-written), a pass each time the runner asks. Each mapper has its own thread, hence its own
 * V8 isolate: neither side's type feedback can shape the code the other runs (in one isolate,
 * the shared harness loop and helpers measured whichever mapper ran second up to 2x faster).
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { mergeRows, type MapContext } from '../../src/mapping/compile.js';
import { loadMappings } from '../../src/mapping/load.js';
import type { UsageRow } from '../../src/schemas/usage.js';
import { mapClaudeCodeActivity } from '../handwritten/claude-code-activity.js';
import { generateClaudeCodeRecords } from '../handwritten/claude-code-records.js';

export interface MappingWorkerData {
  mapper: 'compiled' | 'handwritten';
  records: number;
  page: number;
  repoRoot: string;
}
export interface MappingPass {
  merge: boolean;
}
export interface MappingPassResult {
  /** records per second of wall time, and of process CPU time */
  wall: number;
  cpu: number;
}

const data = workerData as MappingWorkerData;
// Through JSON, as the engine gets them: parsed records share a few hidden classes, while the
// generator's objects took different shapes from run to run (the hand-written mapper then ran at
// ~240k or ~650k records/s, by luck).
const records = JSON.parse(JSON.stringify(generateClaudeCodeRecords(data.records))) as unknown[];
const ctx: MapContext = { integration: 'claude', accountId: 'acct_bench', reportType: 'activity' };
const compiled = (await loadMappings(path.join(data.repoRoot, 'mappings'))).get('claude')?.get('activity');
if (!compiled) throw new Error('mappings/claude/activity.yaml not found');
const map: (record: unknown, ctx: MapContext) => UsageRow[] =
  data.mapper === 'compiled' ? (r, c) => compiled.map(r, c) : mapClaudeCodeActivity;

/** One pass over all records, a vendor page at a time, each page's rows dropped after. */
function pass(merge: boolean): MappingPassResult {
  // Process CPU: the other mapper's thread and the runner are idle while a pass runs.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let sink = 0;
  for (let start = 0; start < records.length; start += data.page) {
    const end = Math.min(start + data.page, records.length);
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
  const cpuMs = (c.user + c.system) / 1000;
  return { wall: (records.length / wallMs) * 1000, cpu: (records.length / cpuMs) * 1000 };
}

parentPort?.on('message', (msg: MappingPass) => parentPort?.postMessage(pass(msg.merge)));
parentPort?.postMessage('ready');
