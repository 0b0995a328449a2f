/**
 * The Cursor emulator's knobs: the emulator kit's faults plus the per-minute limits, so a test can
 * tighten a limit (or lift it with null) without waiting a minute of real time.
 */
import {
  FAULT_DEFAULTS,
  FAULT_KNOB_SPECS,
  FaultControls,
  SlidingWindowLimiter,
  type Admission,
  type FaultKnobs,
  type KnobSpecs,
  type RateLimiter,
} from '../../../src/emulator-kit/index.js';

type Family = 'admin' | 'events';

/** A rolling-minute limiter that also logs what it admitted, so a test can audit the vendor's count. */
class RecordingLimiter implements RateLimiter {
  readonly #window = new SlidingWindowLimiter(60_000);

  constructor(
    private readonly family: Family,
    private readonly log: { family: Family; team: string; at: number }[],
  ) {}

  admit(key: string, nowMs: number, limit: number): Admission {
    const admission = this.#window.admit(key, nowMs, limit);
    if (admission.ok) this.log.push({ family: this.family, team: key, at: nowMs });
    return admission;
  }

  clear(): void {
    this.#window.clear();
  }
}

export interface CursorKnobs extends FaultKnobs {
  /** Requests a minute per team on most Admin endpoints (members, daily usage, spend); null = unlimited. */
  adminRateLimitPerMinute: number | null;
  /** Requests a minute per team on /teams/filtered-usage-events; null = unlimited. */
  eventsRateLimitPerMinute: number | null;
}

export const CURSOR_DEFAULTS: Readonly<CursorKnobs> = Object.freeze({
  ...FAULT_DEFAULTS,
  adminRateLimitPerMinute: 20,
  eventsRateLimitPerMinute: 60,
});

export const CURSOR_KNOB_SPECS: KnobSpecs = {
  ...FAULT_KNOB_SPECS,
  adminRateLimitPerMinute: { type: 'count', nullable: true },
  eventsRateLimitPerMinute: { type: 'count', nullable: true },
};

export class CursorControls extends FaultControls<CursorKnobs> implements CursorKnobs {
  adminRateLimitPerMinute: number | null = CURSOR_DEFAULTS.adminRateLimitPerMinute;
  eventsRateLimitPerMinute: number | null = CURSOR_DEFAULTS.eventsRateLimitPerMinute;
  /** Admitted calls per team and family, with their times (for tests: never over the limit). */
  readonly admitted: { family: Family; team: string; at: number }[] = [];
  /** Cursor counts a rolling minute per team and endpoint family. */
  readonly adminWindow = new RecordingLimiter('admin', this.admitted);
  readonly eventsWindow = new RecordingLimiter('events', this.admitted);

  constructor() {
    super({ defaults: CURSOR_DEFAULTS, serverErrorStatuses: [500, 503] });
  }

  override reset(): void {
    super.reset();
    this.adminWindow.clear();
    this.eventsWindow.clear();
    this.admitted.length = 0;
  }

  /**
   * The most calls of one team and family admitted in any 60-second span since the last reset:
   * what Cursor would have counted against its per-minute limit.
   */
  busiestMinute(family: Family): number {
    const byTeam = new Map<string, number[]>();
    for (const a of this.admitted) {
      if (a.family !== family) continue;
      const list = byTeam.get(a.team) ?? [];
      list.push(a.at);
      byTeam.set(a.team, list);
    }
    let most = 0;
    for (const times of byTeam.values()) {
      times.sort((x, y) => x - y);
      let from = 0;
      for (let i = 0; i < times.length; i++) {
        while ((times[i] as number) - (times[from] as number) >= 60_000) from++;
        most = Math.max(most, i - from + 1);
      }
    }
    return most;
  }
}
