/**
 * Seeded facts of the Halcyon Tools team, one UTC day at a time: the usage events of every member
 * (the truth), and what the other endpoints report from them. Daily usage counts the day's
 * events by billing kind and names their most used model; spend sums the events' charged cents
 * over the billing cycle. So the emulator's endpoints agree with each other to the last micro-cent,
 * as Cursor's do, and a test can reconcile one against another.
 */
import {
  DAY_MS,
  Rng,
  costMicroCents,
  formatDay,
  formatMicroCents,
  isWeekend,
  parseDay,
} from '../../../src/emulator-kit/index.js';
import {
  CURSOR_TOKEN_RATE,
  KIND_INCLUDED,
  KIND_USAGE_BASED,
  MEMBERS,
  MODELS,
  memberOn,
  type Member,
  type Model,
} from './team.js';

/** Days of history the team has, ending today (UTC). */
export const HISTORY_DAYS = 90;

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  totalCents: number;
  discountPercentOff?: number;
}

/** One event of /teams/filtered-usage-events, as Cursor serializes it. */
export interface UsageEvent {
  timestamp: string;
  userEmail: string;
  cloudAgentId?: string;
  conversationId: string;
  model: string;
  kind: string;
  maxMode: boolean;
  requestsCosts: number;
  isTokenBasedCall: boolean;
  isChargeable: boolean;
  isHeadless: boolean;
  tokenUsage?: TokenUsage;
  chargedCents: number;
  cursorTokenFee?: number;
  isFreeBugbot?: boolean;
}

/** An event with what the emulator needs beside the wire form (exact money, the member). */
export interface EventFact {
  ms: number;
  member: Member;
  chargedMicro: bigint;
  wire: UsageEvent;
}

const BASE_EVENTS: Record<Member['intensity'], number> = { light: 2, medium: 6, heavy: 12 };

/** Micro-cents rounded to 1/10,000 of a cent: Cursor prints fractional cents with a few decimals. */
function roundMicro(micro: bigint): bigint {
  return ((micro + 50n) / 100n) * 100n;
}

function cents(micro: bigint): number {
  return Number(formatMicroCents(micro, 0));
}

function pickModel(rng: Rng): Model {
  return rng.weighted(MODELS.map((m) => [m, m.weight] as const));
}

/** One member's events on one day, oldest first; none outside their membership. */
function memberEvents(member: Member, day: string, dayMs: number): EventFact[] {
  if (!memberOn(member, day)) return [];
  const rng = new Rng(`events|${day}|${member.email.toLowerCase()}`);
  const base = BASE_EVENTS[member.intensity] * (isWeekend(dayMs) ? 0.25 : 1);
  const count = Math.max(0, Math.round(base * rng.float(0.4, 1.6)));
  const out: EventFact[] = [];
  // Working hours 07:00-20:00 UTC, distinct milliseconds so every event has its own instant.
  const offsets = new Set<number>();
  while (offsets.size < count) offsets.add(rng.int(7 * 3_600_000, 20 * 3_600_000));
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    const model = pickModel(rng);
    const usageBased = rng.chance(member.usageBasedShare);
    const maxMode = rng.chance(0.12);
    const headless = rng.chance(0.06);
    const tokenBased = rng.chance(0.9);
    const bugbot = !headless && rng.chance(0.03);
    const requestsCosts = maxMode ? rng.int(2, 4) : 1;
    const wire: UsageEvent = {
      timestamp: String(dayMs + offset),
      userEmail: member.email,
      conversationId: `${rng.base62(8)}-${rng.base62(4)}-4${rng.base62(3)}-${rng.base62(4)}-${rng.base62(12)}`,
      model: model.id,
      kind: usageBased ? KIND_USAGE_BASED : KIND_INCLUDED,
      maxMode,
      requestsCosts,
      isTokenBasedCall: tokenBased,
      isChargeable: usageBased,
      isHeadless: headless,
      chargedCents: 0,
    };
    if (headless) wire.cloudAgentId = `bc-${rng.base62(10)}`;
    let charged: bigint;
    if (tokenBased) {
      const input = rng.int(800, 60_000) * requestsCosts;
      const output = rng.int(200, 9_000) * requestsCosts;
      const cacheRead = rng.chance(0.7) ? rng.int(5_000, 400_000) : 0;
      const cacheWrite = model.cacheWrite.num > 0n && rng.chance(0.5) ? rng.int(1_000, 40_000) : 0;
      const modelMicro = roundMicro(
        costMicroCents(input, model.input) +
          costMicroCents(output, model.output) +
          costMicroCents(cacheRead, model.cacheRead) +
          costMicroCents(cacheWrite, model.cacheWrite),
      );
      const feeMicro = model.thirdParty
        ? roundMicro(costMicroCents(input + output + cacheRead + cacheWrite, CURSOR_TOKEN_RATE))
        : 0n;
      wire.tokenUsage = {
        inputTokens: input,
        outputTokens: output,
        cacheWriteTokens: cacheWrite,
        cacheReadTokens: cacheRead,
        totalCents: cents(modelMicro),
      };
      if (model.thirdParty) wire.cursorTokenFee = cents(feeMicro);
      charged = modelMicro + feeMicro;
    } else {
      // Request-priced: four cents per request unit.
      charged = BigInt(requestsCosts) * 4n * 1_000_000n;
    }
    if (bugbot) wire.isFreeBugbot = true;
    wire.chargedCents = cents(charged);
    out.push({ ms: dayMs + offset, member, chargedMicro: charged, wire });
  }
  return out;
}

const dayCache = new Map<string, EventFact[]>();

/** Every event of the team on `day`, oldest first (memoized: days never change). */
export function eventsOnDay(day: string): EventFact[] {
  let events = dayCache.get(day);
  if (!events) {
    const dayMs = parseDay(day);
    if (dayMs === null) return [];
    events = MEMBERS.flatMap((m) => memberEvents(m, day, dayMs)).sort((a, b) => a.ms - b.ms);
    dayCache.set(day, events);
  }
  return events;
}

/** The first day with data under the clock `now` (HISTORY_DAYS ending today). */
export function firstDay(now: Date): string {
  return formatDay(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (HISTORY_DAYS - 1) * DAY_MS);
}

/** Events with startMs <= timestamp <= endMs (both inclusive) that have happened by `now`. */
export function eventsBetween(startMs: number, endMs: number, now: Date): EventFact[] {
  const first = parseDay(firstDay(now)) ?? 0;
  const last = Math.min(endMs, now.getTime());
  const out: EventFact[] = [];
  for (let d = Math.max(Math.floor(startMs / DAY_MS) * DAY_MS, first); d <= last; d += DAY_MS) {
    for (const e of eventsOnDay(formatDay(d))) if (e.ms >= startMs && e.ms <= last) out.push(e);
  }
  return out;
}

/** One row of /teams/daily-usage-data. */
export interface DailyRow {
  userId: number;
  day: string;
  date: number;
  email: string;
  isActive: boolean;
  totalLinesAdded: number;
  totalLinesDeleted: number;
  acceptedLinesAdded: number;
  acceptedLinesDeleted: number;
  totalApplies: number;
  totalAccepts: number;
  totalRejects: number;
  totalTabsShown: number;
  totalTabsAccepted: number;
  composerRequests: number;
  chatRequests: number;
  agentRequests: number;
  cmdkUsages: number;
  subscriptionIncludedReqs: number;
  apiKeyReqs: number;
  usageBasedReqs: number;
  bugbotUsages: number;
  mostUsedModel: string | null;
  applyMostUsedExtension: string | null;
  tabMostUsedExtension: string | null;
  clientVersion: string | null;
}

/**
 * A member's day as daily-usage-data reports it. Requests by billing kind are the day's events
 * (so they agree with filtered-usage-events); edits and Tab completions are drawn alongside.
 */
export function dailyRow(member: Member, day: string, now: Date): DailyRow {
  const dayMs = parseDay(day) ?? 0;
  const events = eventsBetween(dayMs, dayMs + DAY_MS - 1, now).filter((e) => e.member === member);
  const rng = new Rng(`daily|${day}|${member.email.toLowerCase()}`);
  const included = events.filter((e) => e.wire.kind === KIND_INCLUDED).length;
  const usageBased = events.length - included;
  const apiKeyReqs = events.length > 0 && rng.chance(0.1) ? rng.int(1, 3) : 0;
  const active = events.length + apiKeyReqs > 0;
  const tabsShown = active ? rng.int(10, 220) : 0;
  const tabsAccepted = Math.floor(tabsShown * rng.float(0.25, 0.6));
  const applies = active ? rng.int(0, events.length + 2) : 0;
  const accepts = Math.min(applies, rng.int(0, applies));
  const added = active ? rng.int(20, 900) : 0;
  const deleted = Math.floor(added * rng.float(0.1, 0.5));
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.wire.model, (counts.get(e.wire.model) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  const agent = Math.round(events.length * 0.6);
  const chat = Math.round((events.length - agent) * 0.7);
  return {
    userId: member.numericId,
    day,
    date: dayMs,
    email: member.email,
    isActive: active,
    totalLinesAdded: added,
    totalLinesDeleted: deleted,
    acceptedLinesAdded: Math.floor(added * rng.float(0.3, 0.8)),
    acceptedLinesDeleted: Math.floor(deleted * rng.float(0.3, 0.8)),
    totalApplies: applies,
    totalAccepts: accepts,
    totalRejects: applies - accepts,
    totalTabsShown: tabsShown,
    totalTabsAccepted: tabsAccepted,
    composerRequests: events.length - agent - chat,
    chatRequests: chat,
    agentRequests: agent,
    cmdkUsages: active ? rng.int(0, 6) : 0,
    subscriptionIncludedReqs: included,
    apiKeyReqs,
    usageBasedReqs: usageBased,
    bugbotUsages: events.filter((e) => e.wire.isFreeBugbot === true).length,
    mostUsedModel: top ? top[0] : null,
    applyMostUsedExtension: applies > 0 ? (member.extensions[0] ?? null) : null,
    tabMostUsedExtension: tabsAccepted > 0 ? (member.extensions[1] ?? null) : null,
    clientVersion: active ? member.clientVersion : null,
  };
}

/** Start of the billing cycle holding `now`: the first of its month, 00:00 UTC. */
export function cycleStart(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

export interface MemberSpend {
  member: Member;
  /** On-demand (usage-based) micro-cents this cycle. */
  onDemandMicro: bigint;
  /** Every charged micro-cent this cycle, included usage too. */
  overallMicro: bigint;
  fastPremiumRequests: number;
  lastEventMs: number | null;
}

/** Each member's spend this billing cycle, summed exactly from the events. */
export function cycleSpend(now: Date): MemberSpend[] {
  const byMember = new Map<Member, MemberSpend>(
    MEMBERS.map((m) => [
      m,
      { member: m, onDemandMicro: 0n, overallMicro: 0n, fastPremiumRequests: 0, lastEventMs: null },
    ]),
  );
  for (const e of eventsBetween(cycleStart(now), now.getTime(), now)) {
    const s = byMember.get(e.member) as MemberSpend;
    s.overallMicro += e.chargedMicro;
    if (e.wire.kind === KIND_USAGE_BASED) {
      s.onDemandMicro += e.chargedMicro;
      s.fastPremiumRequests += e.wire.requestsCosts;
    }
    s.lastEventMs = e.ms;
  }
  return [...byMember.values()];
}
