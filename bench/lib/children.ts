/**
 * Starts bench/servers.ts in child processes and talks to them over IPC. Each child is its own
 * Node process (own event loop, own heap), so server work never competes with the load generator
 * inside one loop. Child stdout (the gateway's request log at the default level) goes to
 * /dev/null; stderr is inherited so a crash is visible.
 *
 * The servers run as compiled JavaScript on plain `node`, as the container image runs the
 * gateway (`node dist/src/main.js`): `compileServers` transpiles bench/servers.ts and everything
 * it imports with the project's TypeScript (`--noCheck`, a few seconds) into a temp dir whose
 * node_modules, connectors and mappings are symlinks to the repo's. Under tsx every process
 * would also carry tsx's loader thread (~30-55 MB of RSS) and the peak-RSS target would measure
 * that. BENCH_TSX=1 runs them with `node --import tsx` instead.
 *
 * BENCH_PROF=<role>[,<role>] adds `--cpu-prof` to children of that role (profiles in
 * BENCH_PROF_DIR, default /tmp/meterway-bench-prof), for finding the cause of a missed target.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ServerSpec } from './constants.js';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(BENCH_DIR, '..');

export interface Child {
  readonly role: string;
  readonly pid: number;
  readonly url: string;
  ask<T>(type: string): Promise<T>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let compiled: Promise<{ dir: string; entry: string }> | undefined;

/** Transpiles the server entry and its imports once per bench run; see the header. */
export function compileServers(): Promise<{ dir: string; entry: string }> {
  compiled ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'meterway-bench-build-'));
    for (const name of ['node_modules', 'connectors', 'mappings'])
      await symlink(path.join(REPO_ROOT, name), path.join(dir, name));
    await writeFile(path.join(dir, 'package.json'), '{"type":"module"}\n');
    const tsconfig = {
      extends: path.join(REPO_ROOT, 'tsconfig.json'),
      compilerOptions: {
        rootDir: REPO_ROOT,
        // `dist` makes src/runtime.ts find connectors/ and mappings/ one level up, as when built.
        outDir: path.join(dir, 'dist'),
        noCheck: true,
        types: [],
        sourceMap: false,
        declaration: false,
        incremental: false,
      },
      files: [path.join(BENCH_DIR, 'servers.ts')],
      include: [],
    };
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'lib', 'tsc.js');
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], {
      cwd: REPO_ROOT,
    });
    return { dir, entry: path.join(dir, 'dist', 'bench', 'servers.js') };
  })();
  return compiled;
}

/** Removes the temp build (after every child stopped). */
export async function removeCompiled(): Promise<void> {
  if (!compiled) return;
  const { dir } = await compiled.catch(() => ({ dir: '' }));
  compiled = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
}

export async function startServer(spec: ServerSpec, opts: { exposeGc?: boolean } = {}): Promise<Child> {
  const prof = (process.env.BENCH_PROF ?? '').split(',').filter(Boolean);
  const tsx = process.env.BENCH_TSX === '1';
  const execArgv = tsx ? ['--import', 'tsx'] : [];
  const entry = tsx ? path.join(BENCH_DIR, 'servers.ts') : (await compileServers()).entry;
  if (opts.exposeGc) execArgv.push('--expose-gc');
  // BENCH_GATEWAY_ARGS adds V8/Node flags to gateway children (e.g. --trace-gc), whose stdout then
  // goes to BENCH_GATEWAY_STDOUT (a file) instead of /dev/null.
  const gwArgs =
    spec.role === 'gateway' ? (process.env.BENCH_GATEWAY_ARGS ?? '').split(' ').filter(Boolean) : [];
  execArgv.push(...gwArgs);
  const out =
    spec.role === 'gateway' && process.env.BENCH_GATEWAY_STDOUT
      ? openSync(process.env.BENCH_GATEWAY_STDOUT, 'a')
      : 'ignore';
  if (prof.includes(spec.role)) {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR ?? '/tmp/meterway-bench-prof'}`);
  }
  const child = fork(entry, [JSON.stringify(spec)], {
    cwd: REPO_ROOT,
    execArgv,
    stdio: ['ignore', out, 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  live.add(child);
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 1;
  const ready = new Promise<{ url: string }>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`bench server ${spec.role} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    child.on('message', (msg: { type?: string; id?: number; value?: unknown; url?: string }) => {
      if (msg.type === 'ready') {
        child.off('exit', onExit);
        resolve({ url: msg.url as string });
      } else if (msg.id !== undefined) {
        pending.get(msg.id)?.(msg.value);
        pending.delete(msg.id);
      }
    });
  });
  const { url } = await ready;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    role: spec.role,
    pid: child.pid as number,
    url,
    ask<T>(type: string): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve) => {
        pending.set(id, resolve as (v: unknown) => void);
        child.send({ id, type });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGINT lets a --cpu-prof child write its profile; disconnecting ends the others.
        child.kill('SIGINT');
        if (child.connected) child.disconnect();
      }
      await exited;
      live.delete(child);
    },
  };
}

/** Last resort on an unexpected exit of the runner: no child outlives it. */
export function killAllStarted(): void {
  for (const child of live) if (child.exitCode === null) child.kill('SIGINT');
}

/** User + system CPU a child used between two `ask('cpu')` snapshots, in ms. */
export function cpuMs(a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number {
  return (b.user - a.user + (b.system - a.system)) / 1000;
}
