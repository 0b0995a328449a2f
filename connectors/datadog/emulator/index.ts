/** Public API of the Datadog emulator. The sandbox launcher calls `emulator.start({ host, port })`. */
import { startDatadogEmulator } from './server.js';
import { SANDBOX_API_KEY, SANDBOX_APPLICATION_KEY } from './org.js';

export {
  buildDatadogEmulator,
  startDatadogEmulator,
  HOURLY_USAGE_PATH,
  HISTORICAL_COST_PATH,
  ESTIMATED_COST_PATH,
  USAGE_SUMMARY_PATH,
  BILLING_DIMENSION_MAPPING_PATH,
  type DatadogEmulatorOptions,
  type RunningDatadogEmulator,
} from './server.js';
export { DatadogControls, DEFAULT_KNOBS, KNOB_SPECS, type DatadogKnobs } from './controls.js';
export {
  PARENT_ORG,
  CHILD_ORGS,
  ALL_ORGS,
  PRODUCT_FAMILIES,
  BILLING_DIMENSIONS,
  SUMMARY_FIELDS,
  SANDBOX_API_KEY,
  SANDBOX_APPLICATION_KEY,
  USAGE_ONLY_APPLICATION_KEY,
  CHILD_API_KEY,
  CHILD_APPLICATION_KEY,
  type Org,
} from './org.js';
export { ORGS_PATH, orgsBody } from './orgs.js';
export { HISTORY_DAYS, hourlyItem, measure, type HourlyUsageItem } from './hourly.js';
export { costCents, costEntries, lastSettledMonth, usageSummary, FINAL_ON_DAY } from './costs.js';

export const emulator = {
  start: (opts: { host: string; port: number; now?: Date }) => startDatadogEmulator(opts),
};

/** Accounts the sandbox connects to this emulator (its base_url is filled in at start). */
export const sandboxAccounts = [
  {
    id: 'sandbox-datadog',
    name: 'Kestrel Analytics (Datadog parent org, sandbox)',
    credentials: { api_key: SANDBOX_API_KEY, application_key: SANDBOX_APPLICATION_KEY },
  },
];
