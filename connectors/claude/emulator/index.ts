/** Public API of the Claude emulator. The sandbox launcher calls `emulator.start({ host, port })`. */
import { startClaudeEmulator, SANDBOX_ADMIN_API_KEY as SANDBOX_KEY } from './server.js';

export {
  buildClaudeEmulator,
  startClaudeEmulator,
  getEmulatorControls,
  SANDBOX_ADMIN_API_KEY,
  CLAUDE_CODE_REPORT_PATH,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  type ClaudeEmulatorOptions,
  type StartClaudeEmulatorOptions,
  type RunningClaudeEmulator,
} from './server.js';
export {
  EmulatorControls,
  DEFAULT_KNOBS,
  parseKnobPatch,
  type EmulatorKnobs,
  type Fault,
} from './controls.js';
export {
  NORTHWIND_ORG,
  NORTHWIND_USERS,
  NORTHWIND_API_KEYS,
  NORTHWIND_WORKSPACES,
  CLAUDE_MODELS,
  estimateCostCents,
  isQuietDay,
  generateClaudeCodeDay,
  claudeCodeRecordsForDay,
  claudeCodeHorizonDays,
  type ModelId,
  type OrgRole,
  type OrgUser,
  type OrgApiKey,
  type OrgWorkspace,
  type ClaudeCodeProfile,
} from './org.js';
export { dataHorizon, isDayInHorizon, parseDay, formatDay, HORIZON_DAYS } from './dates.js';
export { encodePageToken, decodePageToken, type PagePosition } from './page-token.js';
export type { AnthropicErrorBody, AnthropicErrorType } from './errors.js';
export type * from './types.js';

export const emulator = { start: startClaudeEmulator };

/** Accounts the sandbox connects to this emulator (its base_url is filled in at start). */
export const sandboxAccounts = [
  {
    id: 'sandbox-claude',
    name: 'Northwind Robotics (Claude Console, sandbox)',
    credentials: { admin_api_key: SANDBOX_KEY },
  },
];
