/** Values the bench runner and its server children share. */
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';
export const BENCH_ACCOUNT = 'cc';
/** The clock of every emulator and gateway of the bench (the emulator's 90-day horizon ends the day before). */
export const NOW_ISO = '2026-03-20T12:00:00.000Z';

export type ServerSpec =
  | { role: 'emulator' }
  | { role: 'fake'; recordsPerDay: number; modelsPerRecord: number }
  | { role: 'bare' }
  /** `parse`: also read the whole body and JSON.parse it once, as a gateway must to find paging fields. */
  | { role: 'passthrough'; vendorUrl: string; apiKey: string; parse: boolean }
  | { role: 'gateway'; vendorUrl: string; apiKey: string; cache: 'none' | 'memory'; budget: number };
