/**
 * A hand-written plain-JS mapper for the Claude Code usage report → `activity`, producing exactly
 * the rows (same ids, same key order) of the compiled `mappings/claude/activity.yaml`. It is the
 * test oracle for the compiler and the baseline of the mapping benchmark, so it is written the
 * way a careful person would write it by hand: direct property reads, one pass, no helpers from
 * the compiler except the row-id hash (ids must match) and the decimal library for non-integer
 * cents.
 */
import type { UsageRow } from '../../src/schemas/usage.js';
import type { MapContext } from '../../src/mapping/compile.js';
import { shiftToNumber } from '../../src/mapping/decimal.js';
import { rowIdExtend, rowIdFrom, rowIdPrefix, type RowIdState } from '../../src/mapping/row-id.js';

type Obj = Record<string, unknown>;

const DAY_MS = 86_400_000;

function obj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null ? (v as Obj) : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

let lastDateIn: unknown;
let lastStart: string | null = null;
let lastEnd: string | null = null;
/** `date` (RFC 3339 UTC midnight or YYYY-MM-DD) → [day start, next day start] */
function days(date: unknown): void {
  if (date === lastDateIn) return;
  lastDateIn = date;
  lastStart = lastEnd = null;
  if (typeof date !== 'string') return;
  const ms = Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);
  if (Number.isNaN(ms)) return;
  const start = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
  lastStart = new Date(start).toISOString();
  lastEnd = new Date(start + DAY_MS).toISOString();
}

function toolActions(v: unknown): Obj | null {
  const m = obj(v);
  if (m === null || Array.isArray(m)) return null;
  const out: Obj = {};
  for (const name of Object.keys(m)) {
    const e = obj(m[name]);
    if (e === null || Array.isArray(e)) {
      out[name] = m[name];
      continue;
    }
    const a = 'accepted' in e ? num(e.accepted) : null;
    const r = 'rejected' in e ? num(e.rejected) : null;
    const entry: Obj = { accepted: a, rejected: r };
    for (const k of Object.keys(e)) {
      if (k !== 'accepted' && k !== 'rejected' && k !== 'acceptance_rate') entry[k] = e[k];
    }
    entry.acceptance_rate = a === null || r === null || a + r === 0 ? null : a / (a + r);
    out[name] = entry;
  }
  return out;
}

let pCtx: MapContext | null = null;
let pI = '';
let pA = '';
let pR = '';
let prefix: RowIdState = rowIdPrefix([]);

export function mapClaudeCodeActivity(record: unknown, ctx: MapContext): UsageRow[] {
  if (pCtx === null || ctx.integration !== pI || ctx.accountId !== pA || ctx.reportType !== pR) {
    pCtx = ctx;
    pI = ctx.integration;
    pA = ctx.accountId;
    pR = ctx.reportType;
    prefix = rowIdPrefix([pI, pA, pR]);
  }
  const rec = obj(record) ?? {};
  const actor = obj(rec.actor);
  const actorType = actor === null ? null : (actor.type ?? null);
  const rawEmail = actor === null ? null : actor.email_address;
  const email = typeof rawEmail === 'string' ? rawEmail.toLowerCase() : null;
  const keyName = actor === null ? null : str(actor.api_key_name);
  const who = email ?? (actor === null ? null : (actor.api_key_name ?? null));
  days(rec.date);
  const start = lastStart;
  const end = lastEnd;
  const orgId = str(rec.organization_id);
  const organization = orgId === null ? null : { id: orgId };
  const user = email === null && keyName === null ? null : { email, name: keyName };
  const core = obj(rec.core_metrics);
  const loc = core === null ? null : obj(core.lines_of_code);
  const sessions = core === null ? null : num(core.num_sessions);

  // id = hash([integration, account, report type, ...key, row spec name]); the key start
  // (day, actor) is shared by the actor-day row and the per-model rows
  const keyState = rowIdExtend(prefix, [start, actorType, who]);
  const out: UsageRow[] = [];
  const actorRow: Record<string, unknown> = {
    id: rowIdFrom(keyState, ['actor_day']),
    metric_name: 'claude_code_activity',
  };
  if (keyName !== null) actorRow.resources = [{ id: null, name: keyName }];
  actorRow.organization = organization;
  actorRow.user = user;
  actorRow.model = null;
  actorRow.usage = {
    sessions: { distinct: sessions },
    code: {
      lines_added: loc === null ? null : num(loc.added),
      lines_removed: loc === null ? null : num(loc.removed),
      commits: core === null ? null : num(core.commits_by_claude_code),
      pull_requests: core === null ? null : num(core.pull_requests_by_claude_code),
      tool_actions: toolActions(rec.tool_actions),
    },
    activity: { is_active: sessions === null ? null : sessions > 0 },
  };
  actorRow.start_date = start;
  actorRow.end_date = end;
  actorRow.surface = 'claude_code';
  actorRow.remote_data = record;
  out.push(actorRow as UsageRow);

  const models = rec.model_breakdown;
  if (Array.isArray(models)) {
    for (const m of models) {
      const e = obj(m);
      const model = e === null ? null : (e.model ?? null);
      const tokens = e === null ? null : obj(e.tokens);
      const input = tokens === null ? null : num(tokens.input);
      const output = tokens === null ? null : num(tokens.output);
      const cacheRead = tokens === null ? null : num(tokens.cache_read);
      const cacheWrite = tokens === null ? null : num(tokens.cache_creation);
      let total: number | null = null;
      for (const n of [input, output, cacheRead, cacheWrite]) if (n !== null) total = (total ?? 0) + n;
      const cost = e === null ? null : obj(e.estimated_cost);
      const cents = cost === null ? null : cost.amount;
      const amount =
        typeof cents === 'number' && Number.isSafeInteger(cents)
          ? cents / 100
          : shiftToNumber(cents ?? null, -2);

      const row: Record<string, unknown> = {
        id: rowIdFrom(keyState, [model, 'actor_day_model']),
        metric_name: 'claude_code_estimated_cost',
      };
      if (keyName !== null) row.resources = [{ id: null, name: keyName }];
      row.organization = organization === null ? null : { id: orgId };
      row.user = user === null ? null : { email, name: keyName };
      row.model = { id: typeof model === 'string' ? model : null, provider: 'anthropic' };
      if (amount !== null)
        row.charges = [{ amount, currency: cost === null ? null : str(cost.currency), type: 'total' }];
      row.usage = {
        tokens: { input, output, cache_read: cacheRead, cache_write: cacheWrite, total },
      };
      row.start_date = start;
      row.end_date = end;
      row.surface = 'claude_code';
      row.remote_data = record;
      out.push(row as UsageRow);
    }
  }
  return out;
}
