/**
 * `npm run bench [-- --only 3] [-- --only 2,3,7]`: measures the gateway against its physical
 * limit on this machine (see bench/README.md), prints a table of ratios with the system it ran
 * on, writes the same to bench/results.json, and exits 1 when a target is missed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, REPO_ROOT, compileServers, killAllStarted, removeCompiled } from './lib/children.js';
import { Rig, type Row } from './lib/rig.js';
import { runMapping } from './targets/mapping.js';
import { runLatency } from './targets/latency.js';
import { runThroughput } from './targets/throughput.js';
import { runStream } from './targets/stream.js';
import { runCache } from './targets/cache.js';
import { runSingleFlight } from './targets/single-flight.js';
import { calibrate } from './lib/calibrate.js';

const ALL = ['1', '2', '3', '4', '5', '6', '7', '8'];

function parseOnly(argv: string[]): Set<string> {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return new Set(ALL);
  const arg = argv[i] as string;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[i + 1] ?? '');
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.filter((id) => !ALL.includes(id));
  if (ids.length === 0 || bad.length > 0) {
    process.stderr.write(`--only takes target numbers ${ALL.join(',')} (comma-separated); got "${value}"\n`);
    process.exit(2);
  }
  return new Set(ids);
}

function version(pkg: string): string {
  return (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

function system() {
  const cpus = os.cpus();
  return {
    node: process.version,
    fastify: version('fastify'),
    undici: version('undici'),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    // Other processes on the machine skew everything; the load average says how busy it was.
    loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function table(rows: Row[]): string {
  const head = ['#', 'what', 'measured', 'target', 'result'];
  const body = rows.map((r) => [
    r.id,
    r.what,
    r.measured,
    r.target,
    r.pass === null ? 'info' : r.pass ? 'ok' : 'MISSED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  const started = new Date();
  const t0 = performance.now();
  const sys = system();
  const speed = calibrate();
  const log = (msg: string) =>
    process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
  const rig = new Rig();
  const rows: Row[] = [];
  const steps: { ids: string[]; name: string; run: (ids: Set<string>) => Promise<Row[]> }[] = [
    // In this process, before any server starts: CPU-bound, no I/O.
    { ids: ['1'], name: 'mapping throughput', run: () => runMapping() },
    { ids: ['2', '3'], name: 'added latency', run: (ids) => runLatency(rig, ids) },
    { ids: ['7'], name: 'cache hit latency', run: () => runCache(rig) },
    { ids: ['8'], name: 'single-flight', run: () => runSingleFlight(rig) },
    { ids: ['4', '5'], name: 'throughput', run: (ids) => runThroughput(rig, ids) },
    // Last: starts and stops its own gateways and a fake vendor.
    { ids: ['6'], name: 'stream memory', run: () => runStream(log) },
  ];
  let failed = false;
  const serversRunAs = process.env.BENCH_TSX === '1' ? 'node --import tsx' : 'compiled JS on node';
  try {
    if (process.env.BENCH_TSX !== '1' && [...only].some((id) => id !== '1')) {
      log('compiling the bench servers (tsc --noCheck)');
      await compileServers();
    }
    for (const step of steps) {
      const ids = new Set(step.ids.filter((id) => only.has(id)));
      if (ids.size === 0) continue;
      log(`${step.name} (${[...ids].join(', ')})`);
      try {
        rows.push(...(await step.run(ids)));
      } catch (err) {
        failed = true;
        const message = err instanceof Error ? err.message : String(err);
        log(`${step.name} failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
        for (const id of ids)
          rows.push({
            id,
            what: step.name,
            measured: `error: ${message}`,
            target: '',
            pass: false,
            details: {},
          });
      }
    }
  } finally {
    await rig.close();
    await removeCompiled();
  }
  rows.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const durationS = (performance.now() - t0) / 1000;
  const pass = !failed && rows.every((r) => r.pass !== false);

  const loadAvgAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const header = [
    `meterway bench — ${started.toISOString()}`,
    `Node ${sys.node} · fastify ${sys.fastify} · undici ${sys.undici} · ${sys.cpu} × ${sys.cores} cores · ${sys.memoryGB} GB · ${sys.platform}`,
    `JSON on this machine: parse ${speed.parseMBps} MB/s, stringify ${speed.stringifyMBps} MB/s (a ${Math.round(speed.pageBytes / 1024)} kB page of Claude Code records, in the runner process)`,
    `servers: ${serversRunAs} · load average (1/5/15 min) at start ${sys.loadAvgAtStart.join(' / ')}, at end ${loadAvgAtEnd.join(' / ')}`,
  ];
  process.stdout.write(`\n${header.join('\n')}\n\n${table(rows)}\n\n`);
  process.stdout.write(
    `${
      pass
        ? 'all targets met'
        : `MISSED: ${rows
            .filter((r) => r.pass === false)
            .map((r) => r.id)
            .join(', ')}`
    } · ${durationS.toFixed(1)} s\n`,
  );
  const results = {
    startedAt: started.toISOString(),
    durationS: Math.round(durationS * 10) / 10,
    only: [...only],
    system: { ...sys, loadAvgAtEnd, serversRunAs, json: speed },
    pass,
    results: rows,
  };
  writeFileSync(path.join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.exitCode = pass ? 0 : 1;
}

process.on('SIGINT', () => {
  killAllStarted();
  process.exit(130);
});
main().catch((err: unknown) => {
  killAllStarted();
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
