/** Public API of the Claude emulator. The sandbox launcher calls `emulator.start({ host, port })`. */
import {
  startClaudeEmulator,
  SANDBOX_ADMIN_API_KEY as SANDBOX_KEY,
  SANDBOX_ANALYTICS_API_KEY as ANALYTICS_KEY,
} from './server.js';

export {
  buildClaudeEmulator,
  startClaudeEmulator,
  getEmulatorControls,
  SANDBOX_ADMIN_API_KEY,
  SANDBOX_ANALYTICS_API_KEY,
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
  type SummariesEnvelope,
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
export {
  CONSOLE_DATA_SINCE,
  SERVICE_TIERS,
  CONTEXT_WINDOWS,
  INFERENCE_GEOS,
  SPEEDS,
  messagesUsageFacts,
  codeExecutionFacts,
  reportedWorkspaceId,
  type MessagesFact,
  type CodeExecutionFact,
} from './console-facts.js';
export {
  MESSAGES_REPORT_PATH,
  COST_REPORT_PATH,
  USERS_PATH,
  MESSAGES_LIMITS,
  MESSAGES_GROUP_BY,
  CONSOLE_DATA_LAG_MS,
  FAST_MODE_BETA,
  consoleCostLines,
  type ConsoleCostLine,
} from './console-reports.js';
export {
  TOKEN_TYPES,
  MODEL_DISPLAY_NAMES,
  ENTERPRISE_DISCOUNT,
  listRate,
  type TokenType,
} from './pricing.js';
export {
  formatMicroCents,
  parseMicroCents,
  sumDecimalCents,
  costMicroCents,
  MICRO_PER_CENT,
} from '../../../src/emulator-kit/decimal.js';
export {
  ANALYTICS_ORG_ID,
  ANALYTICS_DATA_SINCE,
  SEAT_USERS,
  DELETED_SEAT_USER,
  RBAC_GROUPS,
  CHAT_PROJECTS,
  SKILLS,
  CONNECTORS,
  SLACK_CHANNELS,
  type SeatUser,
  type RbacGroup,
  type ChatProject,
} from './analytics-org.js';
export {
  USAGE_PRODUCTS,
  analyticsDay,
  analyticsUserDay,
  type UserDay,
  type UsageLine,
  type UserMetrics,
} from './analytics-activity.js';
export {
  ANALYTICS_USERS_PATH,
  ANALYTICS_SUMMARIES_PATH,
  ANALYTICS_SKILLS_PATH,
  ANALYTICS_CONNECTORS_PATH,
  ANALYTICS_PROJECTS_PATH,
  ASSIGNED_SEATS,
} from './analytics-engagement.js';
export {
  ANALYTICS_USAGE_REPORT_PATH,
  ANALYTICS_USER_USAGE_REPORT_PATH,
  ANALYTICS_COST_REPORT_PATH,
  ANALYTICS_USER_COST_REPORT_PATH,
  ANALYTICS_LIMITS,
  ANALYTICS_REFRESH_LAG_MS,
  costComponents,
  dataRefreshedAt,
  analyticsUserUsage,
  type UserUsageTotals,
} from './analytics-reports.js';
export { ANALYTICS_BASE, latestAvailableDay } from './analytics-params.js';
export { dataHorizon, isDayInHorizon, parseDay, formatDay, HORIZON_DAYS } from './dates.js';
export { parseInstant, formatInstant, type BucketWidth } from './time.js';
export { encodePageToken, decodePageToken, type PagePosition } from './page-token.js';
export { encodeCursor, decodeCursor, type Cursor } from './cursor.js';
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
  {
    id: 'sandbox-claude-analytics',
    name: 'Northwind Robotics (Claude Enterprise Analytics, sandbox)',
    credentials: { analytics_api_key: ANALYTICS_KEY },
  },
];
