/**
 * How fast this machine does the JSON work every gateway request does, measured in the runner
 * process before any server starts. The ratio targets compare two things on one machine, but
 * targets 2 and 3 are absolute budgets (+0.3 ms, +0.8 ms); these figures say how much of such a
 * budget a machine's JSON speed alone takes, and make runs on different machines comparable.
 */
import { generateClaudeCodeRecords } from '../handwritten/claude-code-records.js';
import { median } from './stats.js';

export interface Calibration {
  /** MB/s of JSON.parse over a vendor page of Claude Code records. */
  parseMBps: number;
  /** MB/s of JSON.stringify of the same records, parsed. */
  stringifyMBps: number;
  pageBytes: number;
}

export function calibrate(): Calibration {
  const text = JSON.stringify({ data: generateClaudeCodeRecords(35), has_more: false, next_page: null });
  const parsed = JSON.parse(text) as unknown;
  const rate = (f: () => unknown): number => {
    const rounds: number[] = [];
    for (let r = 0; r < 7; r++) {
      const n = 200;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) f();
      rounds.push((text.length * n) / ((performance.now() - t0) / 1000) / 1e6);
    }
    return Math.round(median(rounds));
  };
  rate(() => JSON.parse(text)); // warm-up
  return {
    parseMBps: rate(() => JSON.parse(text)),
    stringifyMBps: rate(() => JSON.stringify(parsed)),
    pageBytes: text.length,
  };
}
