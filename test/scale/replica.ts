/**
 * One gateway replica as a process of its own, for the scale-out tests and the bench: the real
 * runtime configured from the environment (as `src/main.ts`), plus two test-only settings:
 * MW_SCALE_CONNECTORS_DIR (connector files, e.g. with a smaller declared limit) and MW_SCALE_NOW
 * (a pinned clock matching the emulator's). Prints one JSON line with its address once listening.
 */
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';

const config = loadConfig();
const pinned = process.env.MW_SCALE_NOW ? new Date(process.env.MW_SCALE_NOW) : undefined;
const runtime = await createRuntime({
  config,
  ...(process.env.MW_SCALE_CONNECTORS_DIR ? { connectorsDir: process.env.MW_SCALE_CONNECTORS_DIR } : {}),
  ...(pinned ? { now: () => pinned } : {}),
});
const address = await runtime.app.listen({ port: config.port, host: config.host });
process.stdout.write(`${JSON.stringify({ listening: address, pid: process.pid })}\n`);

const stop = async () => {
  await runtime.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
