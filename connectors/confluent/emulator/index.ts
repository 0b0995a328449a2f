/**
 * Public API of the Confluent Cloud emulator. The sandbox launcher calls
 * `emulator.start({ host, port })`; tests and the conformance suite also pass `now`.
 */
import {
  SANDBOX_API_KEY,
  SANDBOX_API_SECRET,
  startConfluentEmulator,
  type ConfluentEmulatorOptions,
  type RunningConfluentEmulator,
} from './server.js';

export {
  SANDBOX_API_KEY,
  SANDBOX_API_SECRET,
  VIEWER_API_KEY,
  VIEWER_API_SECRET,
  buildConfluentEmulator,
  startConfluentEmulator,
  type ConfluentEmulatorOptions,
  type RunningConfluentEmulator,
} from './server.js';
export {
  ConfluentControls,
  DEFAULT_KNOBS,
  KNOB_SPECS,
  type ConfluentKnobs,
  type DateStyle,
} from './controls.js';
export {
  COSTS_PATH,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_PAGE_TOKEN_CHARS,
  addOneMonth,
  earliestStart,
} from './costs.js';
export { ENVIRONMENTS_PATH, ORGANIZATIONS_PATH, ORG_MAX_PAGE_SIZE } from './org-routes.js';
export {
  DATA_MONTHS,
  MICRO_PER_DOLLAR,
  dataStart,
  dollars,
  fromScaled,
  hasData,
  linesBetween,
  linesOfDay,
  toScaled,
  totals,
  type CostLine,
  type ExactLine,
} from './lines.js';
export {
  ENVIRONMENTS,
  LINE_SPECS,
  ORGANIZATION,
  PROMO_CREDIT,
  type Environment,
  type LineSpec,
  type Organization,
} from './org.js';
export { confluentError, type ConfluentError, type Failure } from './errors.js';

export const emulator = {
  start: (
    opts: ConfluentEmulatorOptions & { host?: string; port?: number },
  ): Promise<RunningConfluentEmulator> => startConfluentEmulator(opts),
};

/** The account the sandbox connects to this emulator (its base_url is filled in at start). */
export const sandboxAccounts = [
  {
    id: 'sandbox-confluent',
    name: 'Fjord Freight (Confluent Cloud, sandbox)',
    credentials: { api_key: SANDBOX_API_KEY, api_secret: SANDBOX_API_SECRET },
  },
];
