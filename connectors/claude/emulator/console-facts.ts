/**
 * The Console organisation's Messages API traffic: minute-resolution usage facts per day, from which
 * the Messages usage report (any bucket width) and the cost report are both aggregated, so 1d buckets
 * are exact sums of 1h buckets, 1h of 1m, and cost is always tokens × list price.
 *
 * Sources, all pure functions of the day:
 * - Claude Code on API billing (`customer_type: "api"` records of the Claude Code report): the same
 *   tokens, under the person's `account_id` (OAuth login, no API key) or the bot's `api_key_id`.
 * - Application traffic on each API key (batch, priority, long-context, web search, 1h caching).
 * - Console Workbench use by developers (`account_id` set, `api_key_id` null).
 */
import { isWeekend, parseDay } from './dates.js';
import { LruCache } from '../../../src/emulator-kit/lru.js';
import {
  NORTHWIND_API_KEYS,
  NORTHWIND_USERS,
  NORTHWIND_WORKSPACES,
  generateClaudeCodeDay,
  type ModelId,
  type OrgApiKey,
} from './org.js';
import { supportsLongContext } from './pricing.js';
import { Rng } from './prng.js';
import { pickMinutes, splitExact } from './spread.js';

export const SERVICE_TIERS = [
  'batch',
  'flex',
  'flex_discount',
  'priority',
  'priority_on_demand',
  'standard',
] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];
export const CONTEXT_WINDOWS = ['0-200k', '200k-1M'] as const;
export type ContextWindow = (typeof CONTEXT_WINDOWS)[number];
export const INFERENCE_GEOS = ['global', 'us', 'not_available'] as const;
export type InferenceGeo = (typeof INFERENCE_GEOS)[number];
export const SPEEDS = ['fast', 'standard'] as const;
export type Speed = (typeof SPEEDS)[number];

/** The Console org's first day of Messages traffic; earlier days are empty. */
export const CONSOLE_DATA_SINCE = '2025-01-01';

export interface MessagesFact {
  /** Start of the minute (epoch ms). */
  at: number;
  account_id: string | null;
  api_key_id: string | null;
  /** null = the default workspace, as the vendor reports it. */
  workspace_id: string | null;
  model: ModelId;
  service_tier: ServiceTier;
  context_window: ContextWindow;
  inference_geo: InferenceGeo;
  speed: Speed;
  uncached_input_tokens: number;
  cache_read_input_tokens: number;
  ephemeral_5m_input_tokens: number;
  ephemeral_1h_input_tokens: number;
  output_tokens: number;
  web_search_requests: number;
}

export interface CodeExecutionFact {
  at: number;
  workspace_id: string | null;
  /** Container time, billed in quarter hours. */
  container_quarter_hours: number;
}

type Dims = Pick<
  MessagesFact,
  | 'account_id'
  | 'api_key_id'
  | 'workspace_id'
  | 'model'
  | 'service_tier'
  | 'context_window'
  | 'inference_geo'
  | 'speed'
>;

interface Totals {
  uncached: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
  webSearch: number;
}

const DEFAULT_WORKSPACE_ID = NORTHWIND_WORKSPACES.find((w) => w.name === 'Default')?.id;
const PERCEPTION_WORKSPACE_ID = NORTHWIND_WORKSPACES.find((w) => w.name === 'Perception')?.id;

/** The vendor reports the default workspace as `workspace_id: null`. */
export function reportedWorkspaceId(workspaceId: string): string | null {
  return workspaceId === DEFAULT_WORKSPACE_ID ? null : workspaceId;
}

function geoFor(model: ModelId, workspaceId: string | null): InferenceGeo {
  // The oldest model cannot pin a geo; the Perception workspace defaults to US-only inference.
  if (model === 'claude-sonnet-4-20250514') return 'not_available';
  return workspaceId !== null && workspaceId === PERCEPTION_WORKSPACE_ID ? 'us' : 'global';
}

const USER_BY_EMAIL = new Map(NORTHWIND_USERS.map((u) => [u.email_address.toLowerCase(), u]));
const KEY_BY_NAME = new Map(NORTHWIND_API_KEYS.map((k) => [k.name, k]));

function emit(
  out: MessagesFact[],
  rng: Rng,
  dayMs: number,
  events: number,
  hours: readonly [number, number],
  dims: Dims,
  totals: Totals,
): void {
  const minutes = pickMinutes(rng, dayMs, events, hours[0], hours[1]);
  const uncached = splitExact(rng, totals.uncached, events);
  const cacheRead = splitExact(rng, totals.cacheRead, events);
  const write5m = splitExact(rng, totals.cacheWrite5m, events);
  const write1h = splitExact(rng, totals.cacheWrite1h, events);
  const output = splitExact(rng, totals.output, events);
  const search = splitExact(rng, totals.webSearch, events);
  for (let i = 0; i < events; i++) {
    const fact: MessagesFact = {
      at: minutes[i] ?? dayMs,
      ...dims,
      uncached_input_tokens: uncached[i] ?? 0,
      cache_read_input_tokens: cacheRead[i] ?? 0,
      ephemeral_5m_input_tokens: write5m[i] ?? 0,
      ephemeral_1h_input_tokens: write1h[i] ?? 0,
      output_tokens: output[i] ?? 0,
      web_search_requests: search[i] ?? 0,
    };
    const empty =
      fact.uncached_input_tokens +
        fact.cache_read_input_tokens +
        fact.ephemeral_5m_input_tokens +
        fact.ephemeral_1h_input_tokens +
        fact.output_tokens +
        fact.web_search_requests ===
      0;
    if (!empty) out.push(fact);
  }
}

function claudeCodeTraffic(out: MessagesFact[], day: string, dayMs: number): void {
  for (const rec of generateClaudeCodeDay(day)) {
    // Subscription users run on their claude.ai plan, not on Console API billing.
    if (rec.customer_type !== 'api') continue;
    let base: Pick<Dims, 'account_id' | 'api_key_id' | 'workspace_id'>;
    let actorKey: string;
    let hours: readonly [number, number];
    if (rec.actor.type === 'user_actor') {
      const user = USER_BY_EMAIL.get(rec.actor.email_address.toLowerCase());
      if (!user) continue;
      base = { account_id: user.id, api_key_id: null, workspace_id: null };
      actorKey = user.id;
      hours = [7, 20];
    } else {
      const key = KEY_BY_NAME.get(rec.actor.api_key_name);
      if (!key) continue;
      base = { account_id: null, api_key_id: key.id, workspace_id: reportedWorkspaceId(key.workspace_id) };
      actorKey = key.id;
      hours = [0, 23];
    }
    for (const mb of rec.model_breakdown) {
      const model = mb.model as ModelId;
      const rng = new Rng(`msg|cc|${day}|${actorKey}|${rec.is_remote ? 'remote' : 'local'}|${model}`);
      const dims: Dims = {
        ...base,
        model,
        service_tier: 'standard',
        context_window: '0-200k',
        inference_geo: geoFor(model, base.workspace_id),
        speed: 'standard',
      };
      emit(out, rng, dayMs, rng.int(1, 4), hours, dims, {
        uncached: mb.tokens.input,
        cacheRead: mb.tokens.cache_read,
        cacheWrite5m: mb.tokens.cache_creation,
        cacheWrite1h: 0,
        output: mb.tokens.output,
        webSearch: 0,
      });
    }
  }
}

interface AppStyle {
  batchShare: number;
  priorityShare: number;
  longContextShare: number;
  cache1h: boolean;
  webSearch: boolean;
  hours: readonly [number, number];
}

const DEFAULT_STYLE: AppStyle = {
  batchShare: 0,
  priorityShare: 0,
  longContextShare: 0,
  cache1h: false,
  webSearch: false,
  hours: [6, 22],
};

const APP_STYLES: Readonly<Record<string, Partial<AppStyle>>> = {
  'ci-bot-key': { batchShare: 0.35, hours: [0, 23] },
  'release-automation': { hours: [14, 20] },
  'nightly-refactor-bot': { cache1h: true, hours: [0, 5] },
  'docs-generator': { webSearch: true, hours: [8, 18] },
  'perception-eval-runner': { priorityShare: 0.3, longContextShare: 0.3, hours: [0, 23] },
  'firmware-triage-agent': { cache1h: true, webSearch: true },
};

function appTraffic(out: MessagesFact[], day: string, dayMs: number, weekend: boolean, key: OrgApiKey): void {
  const rng = new Rng(`msg|app|${day}|${key.id}`);
  if (!rng.chance(weekend ? 0.45 : 0.9)) return;
  const style: AppStyle = { ...DEFAULT_STYLE, ...APP_STYLES[key.name] };
  const profile = key.claudeCode;
  const workspaceId = reportedWorkspaceId(key.workspace_id);
  let candidates = [...profile.models];
  const modelCount = rng.int(1, Math.min(2, candidates.length));
  for (let i = 0; i < modelCount && candidates.length > 0; i++) {
    const model = rng.weighted(candidates);
    candidates = candidates.filter(([m]) => m !== model);
    for (let segment = rng.int(1, 3); segment > 0; segment--) {
      const tier: ServiceTier = rng.chance(style.batchShare)
        ? 'batch'
        : rng.chance(style.priorityShare)
          ? 'priority'
          : 'standard';
      const longContext =
        supportsLongContext(model) && tier !== 'batch' && rng.chance(style.longContextShare);
      const fast = model === 'claude-opus-4-8' && tier === 'standard' && rng.chance(0.2);
      const requests = Math.max(1, Math.round(rng.int(10, 300) * profile.intensity * (i === 0 ? 1 : 0.3)));
      const dims: Dims = {
        account_id: null,
        api_key_id: key.id,
        workspace_id: workspaceId,
        model,
        service_tier: tier,
        context_window: longContext ? '200k-1M' : '0-200k',
        inference_geo: geoFor(model, workspaceId),
        speed: fast ? 'fast' : 'standard',
      };
      const cacheable = tier !== 'batch';
      emit(out, rng, dayMs, rng.int(2, 8), style.hours, dims, {
        uncached: requests * (longContext ? rng.int(20_000, 60_000) : rng.int(300, 4_000)),
        cacheRead: requests * (longContext ? rng.int(150_000, 600_000) : rng.int(0, 12_000)),
        cacheWrite5m: cacheable ? requests * rng.int(0, 600) : 0,
        cacheWrite1h: cacheable && style.cache1h ? requests * rng.int(0, 300) : 0,
        output: requests * rng.int(80, 900),
        webSearch: style.webSearch ? rng.int(0, Math.ceil(requests / 4)) : 0,
      });
    }
  }
}

const WORKBENCH_MODELS: readonly (readonly [ModelId, number])[] = [
  ['claude-sonnet-4-5-20250929', 0.5],
  ['claude-opus-4-8', 0.3],
  ['claude-haiku-4-5-20251001', 0.2],
];

function workbenchTraffic(out: MessagesFact[], day: string, dayMs: number, weekend: boolean): void {
  for (const user of NORTHWIND_USERS) {
    if (user.role !== 'developer' && user.role !== 'admin') continue;
    const rng = new Rng(`msg|workbench|${day}|${user.id}`);
    if (!rng.chance(weekend ? 0.02 : 0.1)) continue;
    const model = rng.weighted(WORKBENCH_MODELS);
    const requests = rng.int(1, 25);
    const dims: Dims = {
      account_id: user.id,
      api_key_id: null,
      workspace_id: null,
      model,
      service_tier: 'standard',
      context_window: '0-200k',
      inference_geo: geoFor(model, null),
      speed: 'standard',
    };
    emit(out, rng, dayMs, rng.int(1, 3), [8, 19], dims, {
      uncached: requests * rng.int(200, 3_000),
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: requests * rng.int(100, 1_200),
      webSearch: rng.chance(0.2) ? rng.int(1, 5) : 0,
    });
  }
}

function generateMessagesFacts(day: string): MessagesFact[] {
  const dayMs = parseDay(day);
  if (dayMs === null) throw new RangeError(`not a YYYY-MM-DD calendar day: ${day}`);
  if (day < CONSOLE_DATA_SINCE) return [];
  const weekend = isWeekend(dayMs);
  const out: MessagesFact[] = [];
  claudeCodeTraffic(out, day, dayMs);
  for (const key of NORTHWIND_API_KEYS) appTraffic(out, day, dayMs, weekend, key);
  workbenchTraffic(out, day, dayMs, weekend);
  // Stable sort: equal minutes keep generation order, so the list is a pure function of the day.
  return out.sort((a, b) => a.at - b.at);
}

const factCache = new LruCache<string, readonly MessagesFact[]>(400);

/**
 * Every Messages usage fact of `day` (minute resolution, oldest first), ignoring the clock: a pure
 * function of the day string. The report hides facts newer than its data cutoff.
 */
export function messagesUsageFacts(day: string): readonly MessagesFact[] {
  let facts = factCache.get(day);
  if (facts === undefined) {
    facts = Object.freeze(generateMessagesFacts(day));
    factCache.set(day, facts);
  }
  return facts;
}

/** Code-execution container time per workspace (cost report only; the usage report has none). */
export function codeExecutionFacts(day: string): CodeExecutionFact[] {
  const dayMs = parseDay(day);
  if (dayMs === null) throw new RangeError(`not a YYYY-MM-DD calendar day: ${day}`);
  if (day < CONSOLE_DATA_SINCE) return [];
  const out: CodeExecutionFact[] = [];
  for (const name of ['perception-eval-runner', 'ci-bot-key']) {
    const key = KEY_BY_NAME.get(name);
    if (!key) continue;
    const rng = new Rng(`msg|code-exec|${day}|${key.id}`);
    if (!rng.chance(isWeekend(dayMs) ? 0.3 : 0.6)) continue;
    const events = rng.int(1, 4);
    const minutes = pickMinutes(rng, dayMs, events, 1, 22);
    const quarters = splitExact(rng, rng.int(events, 40), events);
    for (let i = 0; i < events; i++) {
      const q = quarters[i] ?? 0;
      if (q > 0) {
        out.push({
          at: minutes[i] ?? dayMs,
          workspace_id: reportedWorkspaceId(key.workspace_id),
          container_quarter_hours: q,
        });
      }
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
