/**
 * What every seat user did on a day, as one deterministic record per (user, day): engagement
 * metrics for `/users` (Claude Code numbers are the Claude Code report's own records for that person
 * and day), skill / connector / project uses for the aggregate endpoints, and minute-resolution token
 * lines for the usage and cost endpoints. Every Analytics endpoint aggregates these records, so the
 * org-level and per-user reports always agree.
 */
import { isWeekend, parseDay } from './dates.js';
import { LruCache } from '../../../src/emulator-kit/lru.js';
import {
  CONNECTORS,
  CHAT_PROJECTS,
  OFFICE_APPS,
  SKILLS,
  SLACK_CHANNELS,
  groupsOfUser,
  seatUsersOn,
  type EngagementProduct,
  type OfficeApp,
  type SeatUser,
} from './analytics-org.js';
import { generateClaudeCodeDay, type ModelId } from './org.js';
import { supportsLongContext } from './pricing.js';
import { Rng } from './prng.js';
import { pickMinutes, splitExact } from './spread.js';
import type { ClaudeCodeRecord, ToolName } from './types.js';

export const USAGE_PRODUCTS = [
  'chat',
  'claude-tag',
  'claude_code',
  'claude_design',
  'claude_in_chrome',
  'cowork',
  'office_agent',
] as const;
export type UsageProduct = (typeof USAGE_PRODUCTS)[number];
export const CLAUDE_TAG_CATEGORIES = ['dm', 'engaged', 'monitoring', 'proactive', 'scheduled'] as const;

/** Token usage of one user in one minute for one (product, model, …) combination. */
export interface UsageLine {
  at: number;
  userId: string;
  /** `code_execution` lines carry execution spans and container time, no tokens, `product: null`. */
  kind: 'tokens' | 'code_execution';
  product: UsageProduct | null;
  model: ModelId | null;
  context_window: '0-200k' | '200k-1M' | null;
  /** null = region unset (matches the `not_available` filter). */
  inference_geo: 'global' | 'us' | null;
  speed: 'standard' | 'fast' | null;
  slack_channel_id: string | null;
  claude_tag_category: string | null;
  claude_tag_user_id: string | null;
  uncached: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
  webSearch: number;
  requests: number;
  quarterHours: number;
}

export interface SkillUse {
  skill: string;
  product: EngagementProduct;
  app: OfficeApp | null;
  /** Conversations (chat) or sessions (other products) in which the skill was activated. */
  units: number;
  invocations: number;
}

export interface ConnectorUse {
  connector: string;
  product: EngagementProduct;
  app: OfficeApp | null;
  units: number;
  reads: number;
  writes: number;
  unclassified: number;
}

export interface ProjectUse {
  projectId: string;
  messages: number;
  conversations: number;
}

type ToolCounts = { accepted_count: number; rejected_count: number };
type OfficeBlock = {
  distinct_session_count: number;
  message_count: number;
  skills_used_count: number;
  distinct_skills_used_count: number;
  connectors_used_count: number;
  distinct_connectors_used_count: number;
};

/** The `/users` metric blocks, exactly as the wire shows them for one user-day. */
export type UserMetrics = {
  chat_metrics: {
    message_count: number;
    thinking_message_count: number;
    distinct_conversation_count: number;
    connectors_used_count: number;
    distinct_connectors_used_count: number;
    distinct_skills_used_count: number;
    distinct_projects_created_count: number;
    distinct_projects_used_count: number;
    distinct_files_uploaded_count: number;
    distinct_artifacts_created_count: number;
    distinct_shared_artifacts_viewed_count: number;
    shared_conversations_viewed_count: number;
  };
  claude_code_metrics: {
    core_metrics: {
      distinct_session_count: number;
      commit_count: number;
      pull_request_count: number;
      lines_of_code: { added_count: number; removed_count: number };
    };
    tool_actions: Record<ToolName, ToolCounts>;
  };
  cowork_metrics: {
    distinct_session_count: number;
    message_count: number;
    action_count: number;
    dispatch_turn_count: number;
    skills_used_count: number;
    distinct_skills_used_count: number;
    connectors_used_count: number;
    distinct_connectors_used_count: number;
  };
  design_metrics: {
    distinct_session_count: number;
    message_count: number;
    distinct_projects_created_count: number;
    distinct_projects_used_count: number;
  };
  office_metrics: Record<OfficeApp, OfficeBlock>;
  science_metrics: {
    distinct_session_count: number;
    message_count: number;
    delegation_count: number;
    remote_compute_job_count: number;
    skills_used_count: number;
  };
  /** claude.ai + Claude Code web searches (the sum of the day's usage lines). */
  web_search_count: number;
};

export interface UserDay {
  user: SeatUser;
  day: string;
  /** Any chat message, Claude Code session, Cowork/Office/Design/Science session that day. */
  active: boolean;
  activeIn: { chat: boolean; claude_code: boolean; cowork: boolean };
  metrics: UserMetrics;
  skills: SkillUse[];
  connectors: ConnectorUse[];
  projects: ProjectUse[];
  usage: UsageLine[];
}

const TOOL_NAMES: readonly ToolName[] = ['edit_tool', 'multi_edit_tool', 'notebook_edit_tool', 'write_tool'];

function officeZero(): OfficeBlock {
  return {
    distinct_session_count: 0,
    message_count: 0,
    skills_used_count: 0,
    distinct_skills_used_count: 0,
    connectors_used_count: 0,
    distinct_connectors_used_count: 0,
  };
}

export function zeroUserMetrics(): UserMetrics {
  return {
    chat_metrics: {
      message_count: 0,
      thinking_message_count: 0,
      distinct_conversation_count: 0,
      connectors_used_count: 0,
      distinct_connectors_used_count: 0,
      distinct_skills_used_count: 0,
      distinct_projects_created_count: 0,
      distinct_projects_used_count: 0,
      distinct_files_uploaded_count: 0,
      distinct_artifacts_created_count: 0,
      distinct_shared_artifacts_viewed_count: 0,
      shared_conversations_viewed_count: 0,
    },
    claude_code_metrics: {
      core_metrics: {
        distinct_session_count: 0,
        commit_count: 0,
        pull_request_count: 0,
        lines_of_code: { added_count: 0, removed_count: 0 },
      },
      tool_actions: {
        edit_tool: { accepted_count: 0, rejected_count: 0 },
        multi_edit_tool: { accepted_count: 0, rejected_count: 0 },
        notebook_edit_tool: { accepted_count: 0, rejected_count: 0 },
        write_tool: { accepted_count: 0, rejected_count: 0 },
      },
    },
    cowork_metrics: {
      distinct_session_count: 0,
      message_count: 0,
      action_count: 0,
      dispatch_turn_count: 0,
      skills_used_count: 0,
      distinct_skills_used_count: 0,
      connectors_used_count: 0,
      distinct_connectors_used_count: 0,
    },
    design_metrics: {
      distinct_session_count: 0,
      message_count: 0,
      distinct_projects_created_count: 0,
      distinct_projects_used_count: 0,
    },
    office_metrics: {
      excel: officeZero(),
      outlook: officeZero(),
      powerpoint: officeZero(),
      word: officeZero(),
    },
    science_metrics: {
      distinct_session_count: 0,
      message_count: 0,
      delegation_count: 0,
      remote_compute_job_count: 0,
      skills_used_count: 0,
    },
    web_search_count: 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------------------

interface EngagementProfile {
  chat: number;
  cowork: number;
  office: number;
  design: number;
  science: number;
  slack: number;
  chrome: number;
  intensity: number;
  chatModel: ModelId;
  geo: 'global' | 'us';
}

const ROLE_ACTIVITY: Record<string, Pick<EngagementProfile, 'chat' | 'cowork' | 'office' | 'design'>> = {
  admin: { chat: 0.85, cowork: 0.3, office: 0.35, design: 0.05 },
  billing: { chat: 0.7, cowork: 0.2, office: 0.6, design: 0 },
  developer: { chat: 0.6, cowork: 0.2, office: 0.05, design: 0.05 },
  claude_code_user: { chat: 0.3, cowork: 0.1, office: 0, design: 0 },
  user: { chat: 0.75, cowork: 0.25, office: 0.3, design: 0.15 },
};

const CHAT_MODELS: readonly (readonly [ModelId, number])[] = [
  ['claude-opus-4-8', 0.5],
  ['claude-sonnet-4-5-20250929', 0.4],
  ['claude-haiku-4-5-20251001', 0.1],
];

const profiles = new Map<string, EngagementProfile>();

function profileOf(user: SeatUser): EngagementProfile {
  let p = profiles.get(user.id);
  if (p === undefined) {
    const rng = new Rng(`an-profile|${user.id}`);
    const role = user.orgUser?.role ?? 'developer';
    const perception = groupsOfUser(user.id).some((g) => g.name === 'Perception Team');
    p = {
      ...(ROLE_ACTIVITY[role] ?? { chat: 0.5, cowork: 0.1, office: 0.1, design: 0 }),
      science: perception ? 0.1 : 0.01,
      slack: rng.float(0.05, 0.25),
      chrome: rng.chance(0.3) ? 0.1 : 0,
      intensity: rng.float(0.6, 1.6),
      chatModel: rng.weighted(CHAT_MODELS),
      // The Perception team works on US-only data, so its inference stays in the US.
      geo: perception ? 'us' : 'global',
    };
    profiles.set(user.id, p);
  }
  return p;
}

function claudeTagUserId(userId: string): string {
  return `U0${new Rng(`slack-user|${userId}`).base62(9).toUpperCase()}`;
}

// ---------------------------------------------------------------------------------------------------
// Usage lines
// ---------------------------------------------------------------------------------------------------

type LineDims = Pick<
  UsageLine,
  | 'kind'
  | 'product'
  | 'model'
  | 'context_window'
  | 'inference_geo'
  | 'speed'
  | 'slack_channel_id'
  | 'claude_tag_category'
  | 'claude_tag_user_id'
>;
type LineTotals = Pick<
  UsageLine,
  | 'uncached'
  | 'cacheRead'
  | 'cacheWrite5m'
  | 'cacheWrite1h'
  | 'output'
  | 'webSearch'
  | 'requests'
  | 'quarterHours'
>;
const TOTAL_KEYS: readonly (keyof LineTotals)[] = [
  'uncached',
  'cacheRead',
  'cacheWrite5m',
  'cacheWrite1h',
  'output',
  'webSearch',
  'requests',
  'quarterHours',
];

function tokenDims(
  product: UsageProduct,
  model: ModelId,
  geo: 'global' | 'us',
  extra: Partial<LineDims> = {},
): LineDims {
  return {
    kind: 'tokens',
    product,
    model,
    context_window: '0-200k',
    // The oldest model cannot pin a region: reported as unset.
    inference_geo: model === 'claude-sonnet-4-20250514' ? null : geo,
    speed: 'standard',
    slack_channel_id: null,
    claude_tag_category: null,
    claude_tag_user_id: null,
    ...extra,
  };
}

/** Spreads one day total over 1-3 minutes between 07:00 and 20:59 UTC, keeping every sum exact. */
function spreadLine(
  out: UsageLine[],
  rng: Rng,
  dayMs: number,
  userId: string,
  dims: LineDims,
  totals: LineTotals,
): void {
  const events = rng.int(1, 3);
  const minutes = pickMinutes(rng, dayMs, events, 7, 20);
  const parts = TOTAL_KEYS.map((k) => splitExact(rng, totals[k], events));
  for (let i = 0; i < events; i++) {
    const line: UsageLine = { at: minutes[i] ?? dayMs, userId, ...dims, ...totals };
    let any = false;
    TOTAL_KEYS.forEach((k, j) => {
      line[k] = parts[j]?.[i] ?? 0;
      if (line[k] > 0) any = true;
    });
    if (any) out.push(line);
  }
}

/** The totals of one chat-like usage line: tokens drawn per message, one request a message. */
function chatTokens(rng: Rng, messages: number, webSearch = 0): LineTotals {
  return {
    uncached: messages * rng.int(500, 4_000),
    cacheRead: messages * rng.int(0, 15_000),
    cacheWrite5m: messages * rng.int(0, 2_000),
    cacheWrite1h: rng.chance(0.1) ? messages * rng.int(0, 800) : 0,
    output: messages * rng.int(200, 1_500),
    webSearch,
    requests: messages,
    quarterHours: 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// One user-day
// ---------------------------------------------------------------------------------------------------

function pickSome<T>(rng: Rng, items: readonly T[], max: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  for (let n = rng.int(1, Math.max(1, max)); n > 0 && pool.length > 0; n--) {
    out.push(...pool.splice(rng.int(0, pool.length - 1), 1));
  }
  return out;
}

function useSkills(
  rng: Rng,
  out: SkillUse[],
  product: EngagementProduct,
  app: OfficeApp | null,
  units: number,
  chance: number,
): void {
  if (units <= 0 || !rng.chance(chance)) return;
  for (const skill of pickSome(
    rng,
    SKILLS.filter((s) => s.products.includes(product)),
    2,
  )) {
    const used = rng.int(1, units);
    out.push({ skill: skill.name, product, app, units: used, invocations: used + rng.int(0, 3) });
  }
}

function useConnectors(
  rng: Rng,
  out: ConnectorUse[],
  product: EngagementProduct,
  app: OfficeApp | null,
  units: number,
  chance: number,
): void {
  if (units <= 0 || !rng.chance(chance)) return;
  for (const connector of pickSome(
    rng,
    CONNECTORS.filter((c) => c.products.includes(product)),
    2,
  )) {
    out.push({
      connector: connector.name,
      product,
      app,
      units: rng.int(1, units),
      reads: rng.int(1, 12),
      writes: rng.int(0, 4),
      unclassified: rng.chance(0.2) ? rng.int(1, 3) : 0,
    });
  }
}

function distinct(
  uses: readonly { product: EngagementProduct; app: OfficeApp | null }[],
  product: EngagementProduct,
  app: OfficeApp | null,
  key: (i: number) => string,
): number {
  const names = new Set<string>();
  uses.forEach((u, i) => {
    if (u.product === product && u.app === app) names.add(key(i));
  });
  return names.size;
}

function generateUserDay(
  user: SeatUser,
  day: string,
  dayMs: number,
  cc: readonly ClaudeCodeRecord[],
): UserDay {
  const metrics = zeroUserMetrics();
  const result: UserDay = {
    user,
    day,
    active: false,
    activeIn: { chat: false, claude_code: false, cowork: false },
    metrics,
    skills: [],
    connectors: [],
    projects: [],
    usage: [],
  };
  if (user.deletedOn !== null && day >= user.deletedOn) return result;
  const p = profileOf(user);
  const weekend = isWeekend(dayMs);
  const scale = weekend ? 0.15 : 1;
  const rng = new Rng(`an|${day}|${user.id}`);
  const lines: UsageLine[] = [];

  // Chat (claude.ai)
  const chat = metrics.chat_metrics;
  if (rng.chance(p.chat * scale)) {
    const messages = Math.max(1, Math.round(rng.int(3, 60) * p.intensity));
    const conversations = rng.int(1, Math.max(1, Math.ceil(messages / 5)));
    chat.message_count = messages;
    chat.thinking_message_count = rng.int(0, Math.floor(messages / 3));
    chat.distinct_conversation_count = conversations;
    chat.distinct_files_uploaded_count = rng.chance(0.4) ? rng.int(1, 4) : 0;
    chat.distinct_artifacts_created_count = rng.chance(0.3) ? rng.int(1, 3) : 0;
    chat.distinct_shared_artifacts_viewed_count = rng.chance(0.2) ? rng.int(1, 2) : 0;
    chat.shared_conversations_viewed_count = rng.chance(0.15) ? rng.int(1, 3) : 0;
    chat.distinct_projects_created_count = rng.chance(0.02) ? 1 : 0;
    if (rng.chance(0.4)) {
      let left = messages;
      for (const project of pickSome(rng, CHAT_PROJECTS, 2)) {
        if (left <= 0) break;
        const used = rng.int(1, left);
        left -= used;
        result.projects.push({
          projectId: project.id,
          messages: used,
          conversations: rng.int(1, Math.min(used, conversations)),
        });
      }
      chat.distinct_projects_used_count = result.projects.length;
    }
    useSkills(rng, result.skills, 'chat', null, conversations, 0.25);
    useConnectors(rng, result.connectors, 'chat', null, conversations, 0.3);
    const searches = rng.chance(0.35) ? rng.int(1, 12) : 0;
    const longContext = supportsLongContext(p.chatModel) && rng.chance(0.05);
    spreadLine(
      lines,
      rng,
      dayMs,
      user.id,
      tokenDims('chat', p.chatModel, p.geo, longContext ? { context_window: '200k-1M' } : {}),
      chatTokens(rng, messages, searches),
    );
    // The analysis tool: code-execution spans, billed as container time, with no product.
    if (rng.chance(0.12)) {
      const spans = rng.int(1, 6);
      spreadLine(
        lines,
        rng,
        dayMs,
        user.id,
        {
          ...tokenDims('chat', p.chatModel, p.geo),
          kind: 'code_execution',
          product: null,
          model: null,
          context_window: null,
          inference_geo: null,
          speed: null,
        },
        {
          uncached: 0,
          cacheRead: 0,
          cacheWrite5m: 0,
          cacheWrite1h: 0,
          output: 0,
          webSearch: 0,
          requests: spans,
          quarterHours: spans,
        },
      );
    }
    result.activeIn.chat = true;
  }

  // Claude Code: the Claude Code report's own records for this person and day (local + remote).
  const code = metrics.claude_code_metrics;
  const byModel = new Map<
    ModelId,
    { input: number; output: number; cacheRead: number; cacheCreation: number }
  >();
  for (const rec of cc) {
    const core = code.core_metrics;
    core.distinct_session_count += rec.core_metrics.num_sessions;
    core.commit_count += rec.core_metrics.commits_by_claude_code;
    core.pull_request_count += rec.core_metrics.pull_requests_by_claude_code;
    core.lines_of_code.added_count += rec.core_metrics.lines_of_code.added;
    core.lines_of_code.removed_count += rec.core_metrics.lines_of_code.removed;
    for (const tool of TOOL_NAMES) {
      const counts = rec.tool_actions[tool];
      if (!counts) continue;
      code.tool_actions[tool].accepted_count += counts.accepted;
      code.tool_actions[tool].rejected_count += counts.rejected;
    }
    for (const mb of rec.model_breakdown) {
      const model = mb.model as ModelId;
      const acc = byModel.get(model) ?? { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
      acc.input += mb.tokens.input;
      acc.output += mb.tokens.output;
      acc.cacheRead += mb.tokens.cache_read;
      acc.cacheCreation += mb.tokens.cache_creation;
      byModel.set(model, acc);
    }
  }
  if (code.core_metrics.distinct_session_count > 0) {
    const sessions = code.core_metrics.distinct_session_count;
    useSkills(rng, result.skills, 'claude_code', null, sessions, 0.3);
    useConnectors(rng, result.connectors, 'claude_code', null, sessions, 0.45);
    for (const [model, t] of byModel) {
      const fast = model === 'claude-opus-4-8' && rng.chance(0.15);
      spreadLine(
        lines,
        rng,
        dayMs,
        user.id,
        tokenDims('claude_code', model, p.geo, fast ? { speed: 'fast' } : {}),
        {
          uncached: t.input,
          cacheRead: t.cacheRead,
          cacheWrite5m: t.cacheCreation,
          cacheWrite1h: 0,
          output: t.output,
          webSearch: rng.chance(0.2) ? rng.int(1, 5) : 0,
          requests: Math.max(1, Math.round((t.input + t.output) / 4_000)),
          quarterHours: 0,
        },
      );
    }
    result.activeIn.claude_code = true;
  }

  // Cowork
  const cowork = metrics.cowork_metrics;
  if (rng.chance(p.cowork * scale)) {
    const sessions = rng.int(1, 4);
    cowork.distinct_session_count = sessions;
    cowork.message_count = sessions * rng.int(2, 15);
    cowork.action_count = sessions * rng.int(3, 25);
    cowork.dispatch_turn_count = rng.chance(0.4) ? rng.int(1, 6) : 0;
    useSkills(rng, result.skills, 'cowork', null, sessions, 0.35);
    useConnectors(rng, result.connectors, 'cowork', null, sessions, 0.4);
    spreadLine(
      lines,
      rng,
      dayMs,
      user.id,
      tokenDims('cowork', 'claude-sonnet-4-5-20250929', p.geo),
      chatTokens(rng, cowork.message_count + cowork.action_count),
    );
    result.activeIn.cowork = true;
  }

  // Office agent (Excel, Outlook, PowerPoint, Word)
  if (rng.chance(p.office * scale)) {
    let messages = 0;
    for (const app of pickSome(rng, OFFICE_APPS, 2)) {
      const block = metrics.office_metrics[app];
      block.distinct_session_count = rng.int(1, 3);
      block.message_count = block.distinct_session_count * rng.int(2, 10);
      messages += block.message_count;
      useSkills(rng, result.skills, 'office_agent', app, block.distinct_session_count, 0.4);
      useConnectors(rng, result.connectors, 'office_agent', app, block.distinct_session_count, 0.25);
    }
    spreadLine(
      lines,
      rng,
      dayMs,
      user.id,
      tokenDims('office_agent', 'claude-sonnet-4-5-20250929', p.geo),
      chatTokens(rng, messages),
    );
  }

  // Claude Design
  if (rng.chance(p.design * scale)) {
    const design = metrics.design_metrics;
    design.distinct_session_count = rng.int(1, 2);
    design.message_count = design.distinct_session_count * rng.int(3, 12);
    design.distinct_projects_used_count = rng.int(1, 2);
    design.distinct_projects_created_count = rng.chance(0.2) ? 1 : 0;
    spreadLine(
      lines,
      rng,
      dayMs,
      user.id,
      tokenDims('claude_design', 'claude-opus-4-8', p.geo),
      chatTokens(rng, design.message_count),
    );
  }

  // Claude Science (engagement only: its tokens are not broken out as a product)
  if (rng.chance(p.science * scale)) {
    const science = metrics.science_metrics;
    science.distinct_session_count = rng.int(1, 2);
    science.message_count = science.distinct_session_count * rng.int(2, 8);
    science.delegation_count = rng.int(0, 3);
    science.remote_compute_job_count = rng.int(0, 2);
    science.skills_used_count = rng.int(0, 2);
  }

  // Claude in Slack and Claude in Chrome (usage only, no engagement block)
  if (rng.chance(p.slack * scale)) {
    const requests = rng.int(1, 15);
    const dm = rng.chance(0.3);
    spreadLine(
      lines,
      rng,
      dayMs,
      user.id,
      tokenDims('claude-tag', 'claude-haiku-4-5-20251001', p.geo, {
        slack_channel_id: dm ? null : rng.pick(SLACK_CHANNELS),
        claude_tag_category: dm ? 'dm' : rng.pick(['engaged', 'monitoring'] as const),
        claude_tag_user_id: claudeTagUserId(user.id),
      }),
      chatTokens(rng, requests),
    );
  }
  if (rng.chance(p.chrome * scale)) {
    const requests = rng.int(1, 10);
    spreadLine(
      lines,
      rng,
      dayMs,
      user.id,
      tokenDims('claude_in_chrome', 'claude-sonnet-4-5-20250929', p.geo),
      chatTokens(rng, requests),
    );
  }

  // Distinct counts follow from the uses above, so rollups can recompute them from the same sets.
  chat.connectors_used_count = result.connectors
    .filter((c) => c.product === 'chat')
    .reduce((s, c) => s + c.reads + c.writes + c.unclassified, 0);
  chat.distinct_connectors_used_count = distinct(
    result.connectors,
    'chat',
    null,
    (i) => result.connectors[i]?.connector ?? '',
  );
  chat.distinct_skills_used_count = distinct(
    result.skills,
    'chat',
    null,
    (i) => result.skills[i]?.skill ?? '',
  );
  cowork.skills_used_count = result.skills
    .filter((s) => s.product === 'cowork')
    .reduce((s, u) => s + u.invocations, 0);
  cowork.distinct_skills_used_count = distinct(
    result.skills,
    'cowork',
    null,
    (i) => result.skills[i]?.skill ?? '',
  );
  cowork.connectors_used_count = result.connectors
    .filter((c) => c.product === 'cowork')
    .reduce((s, c) => s + c.reads + c.writes + c.unclassified, 0);
  cowork.distinct_connectors_used_count = distinct(
    result.connectors,
    'cowork',
    null,
    (i) => result.connectors[i]?.connector ?? '',
  );
  for (const app of OFFICE_APPS) {
    const block = metrics.office_metrics[app];
    block.skills_used_count = result.skills
      .filter((s) => s.app === app)
      .reduce((s, u) => s + u.invocations, 0);
    block.distinct_skills_used_count = distinct(
      result.skills,
      'office_agent',
      app,
      (i) => result.skills[i]?.skill ?? '',
    );
    block.connectors_used_count = result.connectors
      .filter((c) => c.app === app)
      .reduce((s, c) => s + c.reads + c.writes + c.unclassified, 0);
    block.distinct_connectors_used_count = distinct(
      result.connectors,
      'office_agent',
      app,
      (i) => result.connectors[i]?.connector ?? '',
    );
  }
  metrics.web_search_count = lines.reduce((s, l) => s + l.webSearch, 0);
  result.usage = lines.sort((a, b) => a.at - b.at);
  result.active =
    chat.message_count > 0 ||
    code.core_metrics.distinct_session_count > 0 ||
    cowork.distinct_session_count > 0 ||
    metrics.design_metrics.distinct_session_count > 0 ||
    metrics.science_metrics.distinct_session_count > 0 ||
    OFFICE_APPS.some((app) => metrics.office_metrics[app].distinct_session_count > 0);
  return result;
}

const dayCache = new LruCache<string, readonly UserDay[]>(200);

/**
 * Every seat user's record for `day` (org order; the deleted account last, and only before its
 * deletion day), ignoring the API's freshness rules: a pure function of the day.
 */
export function analyticsDay(day: string): readonly UserDay[] {
  let days = dayCache.get(day);
  if (days === undefined) {
    const dayMs = parseDay(day);
    if (dayMs === null) throw new RangeError(`not a YYYY-MM-DD calendar day: ${day}`);
    const byEmail = new Map<string, ClaudeCodeRecord[]>();
    for (const rec of generateClaudeCodeDay(day)) {
      if (rec.actor.type !== 'user_actor') continue;
      const key = rec.actor.email_address.toLowerCase();
      byEmail.set(key, [...(byEmail.get(key) ?? []), rec]);
    }
    days = Object.freeze(
      seatUsersOn(day).map((u) =>
        generateUserDay(u, day, dayMs, byEmail.get(u.email?.toLowerCase() ?? '') ?? []),
      ),
    );
    dayCache.set(day, days);
  }
  return days;
}

/** One user's record for `day` (zeros when the user was idle or did not exist). */
export function analyticsUserDay(userId: string, day: string): UserDay | undefined {
  return analyticsDay(day).find((d) => d.user.id === userId);
}
