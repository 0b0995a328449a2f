/** Public API of the OpenAI emulator. The sandbox launcher calls `emulator.start({ host, port })`. */
import { startOpenAIEmulator, SANDBOX_ADMIN_API_KEY, SANDBOX_ANALYTICS_API_KEY } from './server.js';
import { WORKSPACE_ID } from './org.js';

export {
  buildOpenAIEmulator,
  startOpenAIEmulator,
  errorBody,
  SANDBOX_ADMIN_API_KEY,
  SANDBOX_ANALYTICS_API_KEY,
  SANDBOX_PROJECT_API_KEY,
  RATE_LIMIT_PER_MINUTE,
  type OpenAIEmulatorOptions,
  type StartOpenAIEmulatorOptions,
  type RunningOpenAIEmulator,
} from './server.js';
export * from './org.js';
export {
  USAGE_PRODUCTS,
  BUCKET_LIMITS,
  COST_GROUP_BY,
  completionsResult,
  costLines,
  dollars,
  type UsageProduct,
  type CostLine,
} from './usage.js';
export { CODEX_LOOKBACK_DAYS, CODEX_LIMITS } from './codex.js';

export const emulator = { start: startOpenAIEmulator };

/**
 * Accounts the sandbox connects to this emulator. The Codex key is a separate credential on a
 * separate host: its account names `codex_base_url`, so the sandbox aims that at the emulator too.
 */
export const sandboxAccounts = [
  {
    id: 'sandbox-openai',
    name: 'Kestrel Freight Labs (OpenAI organization, sandbox)',
    credentials: { admin_api_key: SANDBOX_ADMIN_API_KEY },
  },
  {
    id: 'sandbox-openai-codex',
    name: 'Kestrel Freight Labs (Codex analytics, sandbox)',
    credentials: { analytics_api_key: SANDBOX_ANALYTICS_API_KEY },
    context: { codex_base_url: 'https://api.chatgpt.com', workspace_id: WORKSPACE_ID },
  },
];
