/**
 * The fictional organisation behind every Claude emulator ("Northwind Robotics"), and its Claude Code
 * usage. The people, API keys, workspaces and models here are shared facts: the Messages usage, cost
 * report and analytics emulators should import them rather than invent their own, so a sandbox shows
 * one coherent org across reports.
 *
 * All data is a pure function of its inputs (see prng.ts); nothing depends on when the process runs
 * except the horizon check in `claudeCodeRecordsForDay`, which takes `now` explicitly.
 */
import { dataHorizon, formatDay, isDayInHorizon, isWeekend, parseDay } from './dates.js';
import { Rng, hashString } from './prng.js';
import type {
  ClaudeCodeActor,
  ClaudeCodeRecord,
  CustomerType,
  ModelBreakdownEntry,
  ModelTokens,
  SubscriptionType,
  ToolActionCounts,
  ToolName,
} from './types.js';

export const NORTHWIND_ORG = {
  id: '5f3c9a7e-2b41-4d8e-9c06-7a1e4b2d9f38',
  name: 'Northwind Robotics',
  /** `.example` is reserved (RFC 2606), so these addresses can never reach a real person. */
  emailDomain: 'northwind-robotics.example',
} as const;

// ---------------------------------------------------------------------------------------------------
// Models and list prices
// ---------------------------------------------------------------------------------------------------

export const CLAUDE_MODELS = [
  { id: 'claude-opus-4-8', inputCentsPerMTok: 500, outputCentsPerMTok: 2500 },
  { id: 'claude-sonnet-4-5-20250929', inputCentsPerMTok: 300, outputCentsPerMTok: 1500 },
  { id: 'claude-haiku-4-5-20251001', inputCentsPerMTok: 100, outputCentsPerMTok: 500 },
  { id: 'claude-sonnet-4-20250514', inputCentsPerMTok: 300, outputCentsPerMTok: 1500 },
] as const;

export type ModelId = (typeof CLAUDE_MODELS)[number]['id'];

/** Cache reads bill at 0.1x the input price, cache writes (5 minute TTL) at 1.25x. */
const CACHE_READ_FACTOR = 0.1;
const CACHE_WRITE_FACTOR = 1.25;

/** List-price estimate in integer US cents, as the Claude Code report's `estimated_cost.amount`. */
export function estimateCostCents(model: ModelId, tokens: ModelTokens): number {
  const price = CLAUDE_MODELS.find((m) => m.id === model);
  if (!price) throw new RangeError(`unknown model ${model}`);
  const inputEquivalent =
    tokens.input + tokens.cache_read * CACHE_READ_FACTOR + tokens.cache_creation * CACHE_WRITE_FACTOR;
  const cents = (inputEquivalent * price.inputCentsPerMTok + tokens.output * price.outputCentsPerMTok) / 1e6;
  return Math.round(cents);
}

// ---------------------------------------------------------------------------------------------------
// Workspaces, people, API keys
// ---------------------------------------------------------------------------------------------------

export interface OrgWorkspace {
  id: string;
  name: string;
}

export const NORTHWIND_WORKSPACES: readonly OrgWorkspace[] = [
  'Default',
  'Firmware',
  'Perception',
  'Platform',
].map((name) => ({ id: `wrkspc_01${new Rng(`workspace|${name}`).base62(22)}`, name }));

function workspaceId(name: string): string {
  const ws = NORTHWIND_WORKSPACES.find((w) => w.name === name);
  if (!ws) throw new RangeError(`unknown workspace ${name}`);
  return ws.id;
}

/** Roles as the Admin API's users endpoint names them. */
export type OrgRole = 'user' | 'developer' | 'billing' | 'admin' | 'claude_code_user';

export interface ClaudeCodeProfile {
  /** Probability of any Claude Code use on a weekday / on a weekend day. */
  weekdayActivity: number;
  weekendActivity: number;
  /** Probability that an active day also has a remote (`is_remote: true`) record. */
  remoteShare: number;
  /** Rough multiplier on sessions and tokens. */
  intensity: number;
  terminals: readonly string[];
  models: readonly (readonly [ModelId, number])[];
  customerType: CustomerType;
  subscriptionType: SubscriptionType;
}

export interface OrgUser {
  id: string;
  name: string;
  /** As reported by the vendor: a few addresses are deliberately mixed case. */
  email_address: string;
  role: OrgRole;
  added_at: string;
  /** null = never uses Claude Code (appears in user lists, never in the Claude Code report). */
  claudeCode: ClaudeCodeProfile | null;
}

export interface OrgApiKey {
  id: string;
  /** What the Claude Code report shows as `api_key_name`. */
  name: string;
  workspace_id: string;
  created_by_user_id: string;
  claudeCode: ClaudeCodeProfile;
}

type Tier = 'heavy' | 'regular' | 'light' | 'rare' | null;

// [display name, email local part, role, Claude Code tier]
const USER_SEED: readonly (readonly [string, string, OrgRole, Tier])[] = [
  ['Dana Okafor', 'dana.okafor', 'admin', 'regular'],
  ['Priya Raman', 'Priya.Raman', 'developer', 'heavy'],
  ['Mateo Alvarez', 'mateo.alvarez', 'developer', 'heavy'],
  ['Jonas Kowalski', 'JKowalski', 'developer', 'regular'],
  ['Aiko Tanaka', 'aiko.tanaka', 'developer', 'heavy'],
  ['Samuel Osei', 'samuel.osei', 'developer', 'regular'],
  ['Lena Fischer', 'lena.fischer', 'claude_code_user', 'regular'],
  ['Ravi Menon', 'ravi.menon', 'developer', 'light'],
  ['Chloe Martin', 'chloe.martin', 'billing', null],
  ['Tomasz Nowak', 'tomasz.nowak', 'developer', 'regular'],
  ['Amara Nwosu', 'amara.nwosu', 'claude_code_user', 'heavy'],
  ['Ethan Brooks', 'ethan.brooks', 'developer', 'light'],
  ['Sofia Rossi', 'sofia.rossi', 'developer', 'regular'],
  ['Hiroshi Sato', 'hiroshi.sato', 'developer', 'rare'],
  ['Grace Liu', 'grace.liu', 'claude_code_user', 'heavy'],
  ['Oliver Bennett', 'oliver.bennett', 'user', null],
  ['Fatima Haddad', 'fatima.haddad', 'developer', 'regular'],
  ['Lucas Silva', 'lucas.silva', 'developer', 'light'],
  ['Nadia Petrova', 'nadia.petrova', 'developer', 'regular'],
  ['Kwame Mensah', 'kwame.mensah', 'claude_code_user', 'regular'],
  ['Isabel Garcia', 'isabel.garcia', 'developer', 'rare'],
  ['Noah Fischer', 'noah.fischer', 'developer', 'heavy'],
  ['Mei Chen', 'MEI.CHEN', 'developer', 'regular'],
  ['Arjun Patel', 'arjun.patel', 'developer', 'heavy'],
  ['Elena Popescu', 'elena.popescu', 'user', 'rare'],
  ['Diego Torres', 'diego.torres', 'developer', 'regular'],
  ['Hannah Schmidt', 'hannah.schmidt', 'admin', 'light'],
  ['Yusuf Demir', 'yusuf.demir', 'developer', 'regular'],
  ['Zoe Campbell', 'zoe.campbell', 'claude_code_user', 'light'],
  ['Marcus Johnson', 'marcus.johnson', 'developer', 'regular'],
  ['Ingrid Larsen', 'ingrid.larsen', 'billing', null],
  ['Kenji Watanabe', 'kenji.watanabe', 'developer', 'heavy'],
  ['Leila Karimi', 'leila.karimi', 'developer', 'regular'],
  ["Patrick O'Neill", 'Patrick.ONeill', 'developer', 'light'],
  ['Chiara Bianchi', 'chiara.bianchi', 'claude_code_user', 'regular'],
  ['Daniel Kim', 'daniel.kim', 'developer', 'rare'],
  ['Anika Sharma', 'anika.sharma', 'developer', 'regular'],
  ['Felix Wagner', 'felix.wagner', 'user', null],
  ['Rosa Mendes', 'rosa.mendes', 'developer', 'light'],
  ['Victor Dubois', 'victor.dubois', 'developer', 'heavy'],
];

const ACTIVITY: Record<Exclude<Tier, null>, { weekday: number; weekend: number; intensity: number }> = {
  heavy: { weekday: 0.92, weekend: 0.3, intensity: 2.2 },
  regular: { weekday: 0.72, weekend: 0.12, intensity: 1.3 },
  light: { weekday: 0.4, weekend: 0.05, intensity: 0.8 },
  rare: { weekday: 0.12, weekend: 0.02, intensity: 0.6 },
};

const TERMINALS = [
  'vscode',
  'iTerm.app',
  'tmux',
  'cursor',
  'Apple_Terminal',
  'WezTerm',
  'ghostty',
  'pycharm',
];

const MODEL_MIXES: readonly (readonly (readonly [ModelId, number])[])[] = [
  [
    ['claude-opus-4-8', 0.6],
    ['claude-sonnet-4-5-20250929', 0.3],
    ['claude-haiku-4-5-20251001', 0.1],
  ],
  [
    ['claude-sonnet-4-5-20250929', 0.65],
    ['claude-haiku-4-5-20251001', 0.2],
    ['claude-opus-4-8', 0.15],
  ],
  [
    ['claude-sonnet-4-20250514', 0.6],
    ['claude-sonnet-4-5-20250929', 0.3],
    ['claude-haiku-4-5-20251001', 0.1],
  ],
  [
    ['claude-haiku-4-5-20251001', 0.55],
    ['claude-sonnet-4-5-20250929', 0.45],
  ],
];

function userProfile(email: string, tier: Exclude<Tier, null>): ClaudeCodeProfile {
  const rng = new Rng(`profile|${email}`);
  const activity = ACTIVITY[tier];
  const primary = rng.pick(TERMINALS);
  const subscription = rng.chance(0.15);
  return {
    weekdayActivity: activity.weekday,
    weekendActivity: activity.weekend,
    // About a third of people also run Claude Code remotely (on the web) on some days.
    remoteShare: rng.chance(0.35) ? rng.float(0.25, 0.55) : 0,
    intensity: activity.intensity * rng.float(0.8, 1.2),
    terminals: rng.chance(0.3) ? [primary, rng.pick(TERMINALS)] : [primary],
    models: rng.pick(MODEL_MIXES),
    customerType: subscription ? 'subscription' : 'api',
    subscriptionType: subscription ? 'enterprise' : null,
  };
}

export const NORTHWIND_USERS: readonly OrgUser[] = USER_SEED.map(([name, local, role, tier]) => {
  const email = `${local}@${NORTHWIND_ORG.emailDomain}`;
  // Ids and join dates are seeded from the lower-cased address so they survive a change of case.
  const rng = new Rng(`user|${email.toLowerCase()}`);
  const addedMs = Date.UTC(2023, 0, 1) + rng.int(0, 900) * 86_400_000 + rng.int(0, 86_399) * 1000;
  return {
    id: `user_01${rng.base62(22)}`,
    name,
    email_address: email,
    role,
    added_at: new Date(addedMs).toISOString().replace('.000Z', 'Z'),
    claudeCode: tier === null ? null : userProfile(email, tier),
  };
});

function userId(local: string): string {
  const user = NORTHWIND_USERS.find((u) => u.email_address.startsWith(`${local}@`));
  if (!user) throw new RangeError(`unknown user ${local}`);
  return user.id;
}

function botProfile(weekday: number, weekend: number, intensity: number, models: number): ClaudeCodeProfile {
  return {
    weekdayActivity: weekday,
    weekendActivity: weekend,
    remoteShare: 0,
    intensity,
    terminals: ['tmux', 'xterm-256color'],
    models: MODEL_MIXES[models] ?? MODEL_MIXES[0] ?? [],
    customerType: 'api',
    subscriptionType: null,
  };
}

// [key name, workspace, creator, profile]
const API_KEY_SEED: readonly (readonly [string, string, string, ClaudeCodeProfile])[] = [
  ['ci-bot-key', 'Platform', 'dana.okafor', botProfile(0.95, 0.7, 2.5, 1)],
  ['release-automation', 'Platform', 'mateo.alvarez', botProfile(0.5, 0.05, 1.0, 1)],
  ['nightly-refactor-bot', 'Firmware', 'aiko.tanaka', botProfile(0.85, 0.85, 1.8, 0)],
  ['docs-generator', 'Default', 'grace.liu', botProfile(0.35, 0, 0.7, 3)],
  ['perception-eval-runner', 'Perception', 'kenji.watanabe', botProfile(0.6, 0.2, 1.5, 2)],
  ['firmware-triage-agent', 'Firmware', 'Priya.Raman', botProfile(0.7, 0.3, 1.2, 1)],
];

export const NORTHWIND_API_KEYS: readonly OrgApiKey[] = API_KEY_SEED.map(([name, ws, creator, profile]) => ({
  id: `apikey_01${new Rng(`apikey|${name}`).base62(22)}`,
  name,
  workspace_id: workspaceId(ws),
  created_by_user_id: userId(creator),
  claudeCode: profile,
}));

// ---------------------------------------------------------------------------------------------------
// Claude Code usage records
// ---------------------------------------------------------------------------------------------------

/** About one day in nine has no Claude Code data at all (an outage, a holiday, a pipeline gap). */
export function isQuietDay(day: string): boolean {
  return hashString(`quiet|${day}`) % 9 === 0;
}

const TOOLS: readonly (readonly [ToolName, number])[] = [
  ['edit_tool', 0.95],
  ['multi_edit_tool', 0.6],
  ['write_tool', 0.7],
  ['notebook_edit_tool', 0.08],
];

function toolActions(rng: Rng, sessions: number): ClaudeCodeRecord['tool_actions'] {
  const out: Partial<Record<ToolName, ToolActionCounts>> = {};
  // An empty map happens (e.g. read-only sessions); consumers must cope.
  if (rng.chance(0.1)) return out;
  for (const [tool, probability] of TOOLS) {
    if (!rng.chance(probability)) continue;
    const accepted = rng.int(0, 12 * sessions);
    out[tool] = { accepted, rejected: rng.int(0, Math.ceil(accepted / 4)) };
  }
  return out;
}

function modelBreakdown(rng: Rng, profile: ClaudeCodeProfile, sessions: number): ModelBreakdownEntry[] {
  // Occasionally a record carries no model rows (activity counted, tokens not attributed).
  if (rng.chance(0.05)) return [];
  const count = rng.weighted([
    [1, 0.6],
    [2, 0.3],
    [3, 0.1],
  ] as const);
  let candidates = [...profile.models];
  const out: ModelBreakdownEntry[] = [];
  for (let i = 0; i < count && candidates.length > 0; i++) {
    const model = rng.weighted(candidates);
    candidates = candidates.filter(([m]) => m !== model);
    // The first model carries the day's work; others are side traffic.
    const share = i === 0 ? 1 : rng.float(0.05, 0.35);
    const input = Math.round(sessions * profile.intensity * rng.int(2_000, 40_000) * share);
    const tokens: ModelTokens = {
      input,
      output: Math.round(input * rng.float(0.12, 0.45)),
      cache_read: Math.round(input * rng.float(2, 30)),
      cache_creation: Math.round(input * rng.float(0.05, 0.7)),
    };
    out.push({
      model,
      tokens,
      estimated_cost: { amount: estimateCostCents(model, tokens), currency: 'USD' },
    });
  }
  return out;
}

function buildRecord(
  rng: Rng,
  actor: ClaudeCodeActor,
  profile: ClaudeCodeProfile,
  day: string,
  isRemote: boolean,
): ClaudeCodeRecord {
  const sessions = Math.max(1, Math.round(rng.int(1, 4) * profile.intensity * (isRemote ? 0.5 : 1)));
  let added = 0;
  if (!rng.chance(0.08)) for (let s = 0; s < sessions; s++) added += rng.int(5, 260);
  const commits = added === 0 ? 0 : rng.int(0, sessions);
  return {
    actor,
    organization_id: NORTHWIND_ORG.id,
    date: `${day}T00:00:00Z`,
    customer_type: profile.customerType,
    subscription_type: profile.subscriptionType,
    terminal_type: rng.pick(profile.terminals),
    is_remote: isRemote,
    core_metrics: {
      num_sessions: sessions,
      lines_of_code: { added, removed: Math.round(added * rng.float(0.05, 0.7)) },
      commits_by_claude_code: commits,
      pull_requests_by_claude_code: commits === 0 ? 0 : rng.int(0, Math.ceil(commits / 2)),
    },
    tool_actions: toolActions(rng, sessions),
    model_breakdown: modelBreakdown(rng, profile, sessions),
  };
}

function actorRecords(
  day: string,
  weekend: boolean,
  key: string,
  actor: ClaudeCodeActor,
  profile: ClaudeCodeProfile,
): ClaudeCodeRecord[] {
  // One generator per (day, actor): adding people to the org never changes anyone else's numbers.
  const rng = new Rng(`cc|${day}|${key}`);
  if (!rng.chance(weekend ? profile.weekendActivity : profile.weekdayActivity)) return [];
  const both = rng.chance(profile.remoteShare);
  const remoteOnly = !both && rng.chance(profile.remoteShare / 4);
  const out: ClaudeCodeRecord[] = [];
  if (!remoteOnly) out.push(buildRecord(rng, actor, profile, day, false));
  if (both || remoteOnly) out.push(buildRecord(rng, actor, profile, day, true));
  return out;
}

/**
 * Every Claude Code record of `day`, ignoring the served horizon: a pure function of the day string.
 * Order is stable: users in org order, then API keys; a local record before its remote twin.
 */
export function generateClaudeCodeDay(day: string): ClaudeCodeRecord[] {
  const dayMs = parseDay(day);
  if (dayMs === null) throw new RangeError(`not a YYYY-MM-DD calendar day: ${day}`);
  if (isQuietDay(day)) return [];
  const weekend = isWeekend(dayMs);
  const out: ClaudeCodeRecord[] = [];
  for (const user of NORTHWIND_USERS) {
    if (!user.claudeCode) continue;
    const actor: ClaudeCodeActor = { type: 'user_actor', email_address: user.email_address };
    out.push(...actorRecords(day, weekend, user.id, actor, user.claudeCode));
  }
  for (const key of NORTHWIND_API_KEYS) {
    const actor: ClaudeCodeActor = { type: 'api_actor', api_key_name: key.name };
    out.push(...actorRecords(day, weekend, key.id, actor, key.claudeCode));
  }
  return out;
}

/**
 * The records the vendor would serve for `day` at time `now`: data exists for the 90 days ending
 * yesterday (UTC); older, current and future days are empty.
 */
export function claudeCodeRecordsForDay(day: string, now: Date = new Date()): ClaudeCodeRecord[] {
  if (parseDay(day) === null) throw new RangeError(`not a YYYY-MM-DD calendar day: ${day}`);
  return isDayInHorizon(day, now) ? generateClaudeCodeDay(day) : [];
}

/** Days (oldest first) that `claudeCodeRecordsForDay` may return data for at `now`. */
export function claudeCodeHorizonDays(now: Date = new Date()): string[] {
  const { first, last } = dataHorizon(now);
  const days: string[] = [];
  const lastMs = parseDay(last) ?? 0;
  for (let ms = parseDay(first) ?? lastMs; ms <= lastMs; ms += 86_400_000) days.push(formatDay(ms));
  return days;
}
