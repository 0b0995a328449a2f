/**
 * Quick local throughput check, run by hand (not a test, no assertions on timings):
 *
 *   npx tsx bench/handwritten/throughput.ts [records=100000] [rounds=10] [page=1000]
 *
 * Maps the same generated Claude Code records with the compiled `mappings/claude/activity.yaml`
 * and with the hand-written mapper and prints records/s of each and their ratio, for the map step
 * alone and with the aggregation step (`mergeRows`). Records are mapped a page at a time
 * (default 1000, the API's largest page) and each page's rows dropped afterwards, as the engine
 * does. The two mappers take turns page by page (alternating which goes first), so machine noise
 * (CPU steal, other processes) hits both alike; the totals over all rounds give the rates, and the
 * best round of each is printed too. Rates per CPU second (process CPU time, which excludes time a
 * busy host steals) are steadier than wall-clock rates on shared machines; with
 * `node --single-threaded-gc --import tsx bench/handwritten/throughput.ts` the garbage collector's work is
 * counted on the same thread.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeRows, type MapContext } from '../../src/mapping/compile.js';
import { loadMappings } from '../../src/mapping/load.js';
import type { UsageRow } from '../../src/schemas/usage.js';
import { mapClaudeCodeActivity } from './claude-code-activity.js';
import { generateClaudeCodeRecords } from './claude-code-records.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const count = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 10);
const page = Number(process.argv[4] ?? 1000) || count;

const mappings = await loadMappings(path.join(root, 'mappings'));
const compiled = mappings.get('claude')?.get('activity');
if (compiled === undefined) throw new Error('mappings/claude/activity.yaml not found');

const records = generateClaudeCodeRecords(count);
const ctx: MapContext = { integration: 'claude', accountId: 'acct_bench', reportType: 'activity' };

type Mapper = (record: unknown, ctx: MapContext) => UsageRow[];
const mappers: [string, Mapper][] = [
  ['compiled', (r, c) => compiled.map(r, c)],
  ['hand-written', mapClaudeCodeActivity],
];

/** Map one page; returns [wall ms, CPU ms, rows]. */
function runPage(map: Mapper, start: number, merge: boolean): [number, number, number] {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const end = Math.min(start + page, records.length);
  let rows: UsageRow[] = [];
  for (let i = start; i < end; i++) {
    const out = map(records[i], ctx);
    for (let j = 0; j < out.length; j++) rows.push(out[j] as UsageRow);
  }
  if (merge) rows = mergeRows(rows);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  return [wall, (cpu.user + cpu.system) / 1000, rows.length];
}

const f = (n: number) => Math.round(n).toLocaleString('en');
console.log(`${f(count)} records, ${rounds} rounds, pages of ${page}, node ${process.version}`);
for (const merge of [false, true]) {
  const total = [0, 0];
  const totalCpu = [0, 0];
  const best = [Infinity, Infinity];
  const rows = [0, 0];
  for (let round = -1; round < rounds; round++) {
    const roundMs = [0, 0];
    const roundCpu = [0, 0];
    for (let start = 0, p = 0; start < records.length; start += page, p++) {
      for (let k = 0; k < 2; k++) {
        const which = (p + k) % 2; // alternate who goes first
        const [ms, cpu, n] = runPage((mappers[which] as [string, Mapper])[1], start, merge);
        roundMs[which] = (roundMs[which] as number) + ms;
        roundCpu[which] = (roundCpu[which] as number) + cpu;
        if (round === 0) rows[which] = (rows[which] as number) + n;
      }
    }
    if (round < 0) continue; // warm-up
    for (let k = 0; k < 2; k++) {
      total[k] = (total[k] as number) + (roundMs[k] as number);
      totalCpu[k] = (totalCpu[k] as number) + (roundCpu[k] as number);
      best[k] = Math.min(best[k] as number, roundMs[k] as number);
    }
  }
  const perSecond = (ms: number) => (count * rounds) / (ms / 1000);
  const rate = total.map(perSecond);
  const cpuRate = totalCpu.map(perSecond);
  const bestRate = best.map((ms) => count / (ms / 1000));
  console.log(`${merge ? 'map + mergeRows' : 'map only'}:`);
  mappers.forEach(([name], k) =>
    console.log(
      `  ${name.padEnd(12)} ${f(rate[k] as number)} rec/s wall (best round ${f(bestRate[k] as number)}),` +
        ` ${f(cpuRate[k] as number)} rec/s of CPU time; ${rows[k]} rows`,
    ),
  );
  console.log(
    `  compiled/hand-written: ${((rate[0] as number) / (rate[1] as number)).toFixed(2)}× wall,` +
      ` ${((cpuRate[0] as number) / (cpuRate[1] as number)).toFixed(2)}× CPU time`,
  );
}
