/**
 * Target 8: 32 identical concurrent requests make exactly one vendor call. The gateway has the
 * real response cache; each round asks a day nobody asked before (so nothing is cached), with the
 * emulator answering after 50 ms so all 32 requests are in flight together. Vendor calls are
 * counted by the emulator (`/__emulator/stats`). Every response must be a 200 with the same body.
 */
import { pool } from '../lib/load.js';
import {
  emulatorControls,
  emulatorStats,
  usagePath,
  GATEWAY_HEADERS,
  type Rig,
  type Row,
} from '../lib/rig.js';

const CONCURRENT = 32;
const DELAY_MS = 50;
/** Weekdays with data that no other target asks for. */
const DAYS = ['2026-02-10', '2026-02-11', '2026-02-12'];

export async function runSingleFlight(rig: Rig): Promise<Row[]> {
  const emu = await rig.emulator();
  const gw = await rig.gateway('memory');
  const p = pool(gw.url, CONCURRENT);
  const calls: number[] = [];
  const problems: string[] = [];
  try {
    // Open all 32 connections first, so the measured requests start together.
    await Promise.all(
      Array.from({ length: CONCURRENT }, () =>
        p.request({ path: '/healthz', method: 'GET' }).then((r) => r.body.dump()),
      ),
    );
    await emulatorControls(emu, { delayMs: DELAY_MS });
    for (const day of DAYS) {
      const path = usagePath(`report_type=activity&date=${day}`);
      const before = await emulatorStats(emu);
      const answers = await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const r = await p.request({ path, method: 'GET', headers: GATEWAY_HEADERS });
          return { status: r.statusCode, text: await r.body.text() };
        }),
      );
      calls.push((await emulatorStats(emu)) - before);
      if (answers.some((a) => a.status !== 200))
        problems.push(`${day}: statuses ${[...new Set(answers.map((a) => a.status))].join(',')}`);
      // Row ids and values must agree; only nothing else differs (no per-request fields in unified).
      if (new Set(answers.map((a) => a.text)).size !== 1) problems.push(`${day}: bodies differ`);
    }
  } finally {
    await emulatorControls(emu, { delayMs: 0 });
    await p.close();
  }
  const pass = calls.every((c) => c === 1) && problems.length === 0;
  return [
    {
      id: '8',
      what: `${CONCURRENT} identical concurrent requests (single-flight)`,
      measured: `${calls.join(', ')} vendor call(s) per round${problems.length ? ` (${problems.join('; ')})` : ''}`,
      target: 'exactly 1',
      pass,
      details: { days: DAYS, delayMs: DELAY_MS, upstreamCallsPerRound: calls, problems },
    },
  ];
}
