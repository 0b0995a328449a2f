/** Public API of the Cursor emulator. The sandbox launcher calls `emulator.start({ host, port })`. */
import { startCursorEmulator } from './server.js';
import { SANDBOX_API_KEY } from './team.js';

export {
  buildCursorEmulator,
  startCursorEmulator,
  cursorError,
  MEMBERS_PATH,
  DAILY_USAGE_PATH,
  USAGE_EVENTS_PATH,
  SPEND_PATH,
  DAILY_MAX_DAYS,
  EVENTS_MAX_PAGE_SIZE,
  type CursorEmulatorOptions,
  type RunningCursorEmulator,
} from './server.js';
export { CursorControls, CURSOR_DEFAULTS, type CursorKnobs } from './controls.js';
export {
  MEMBERS,
  TEAM_NAME,
  SANDBOX_API_KEY,
  OTHER_TEAM_API_KEY,
  memberByEmail,
  type Member,
} from './team.js';
export {
  eventsBetween,
  eventsOnDay,
  dailyRow,
  cycleSpend,
  cycleStart,
  HISTORY_DAYS,
  type UsageEvent,
} from './facts.js';

export const emulator = { start: startCursorEmulator };

/** Accounts the sandbox connects to this emulator (its base_url is filled in at start). */
export const sandboxAccounts = [
  {
    id: 'sandbox-cursor',
    name: 'Halcyon Tools (Cursor Admin API, sandbox)',
    credentials: { api_key: SANDBOX_API_KEY },
  },
];
