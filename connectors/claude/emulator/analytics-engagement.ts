/**
 * Analytics engagement endpoints (provider notes, claude.md sections 6.1-6.3): `/users`,
 * `/summaries`, `/skills`, `/connectors`, `/apps/chat/projects`. Envelope `{data, next_page}` with no
 * `has_more` (`/summaries`: `{summaries}` or `{data, next_page: null}` per the summariesEnvelope
 * knob). Deleted accounts do not appear in engagement data; their usage and cost still do.
 */
import { analyticsDay, zeroUserMetrics, type UserDay, type UserMetrics } from './analytics-activity.js';
import {
  CHAT_PROJECTS,
  ENGAGEMENT_PRODUCTS,
  OFFICE_APPS,
  SEAT_USER_BY_ID,
  SEAT_USERS,
  SKILLS,
  groupsOfUser,
  type OfficeApp,
  type RbacGroup,
  type SeatUser,
} from './analytics-org.js';
import {
  ANALYTICS_BASE,
  analyticsCursor,
  engagementLimit,
  engagementRange,
  parseFilters,
  parseGroupBy,
  parseOrdering,
  rbacFilter,
  requireValues,
  sortRows,
  type DayRange,
} from './analytics-params.js';
import { encodeCursor, pageBounds } from './cursor.js';
import { DAY_MS, formatDay, parseDay } from './dates.js';
import { badRequest } from './errors.js';
import { LruCache } from '../../../src/emulator-kit/lru.js';
import { addTrees, mapLeaves } from './metric-tree.js';
import { hashString } from './prng.js';
import type { RouteContext } from './route.js';

export const ANALYTICS_USERS_PATH = `${ANALYTICS_BASE}/users`;
export const ANALYTICS_SUMMARIES_PATH = `${ANALYTICS_BASE}/summaries`;
export const ANALYTICS_SKILLS_PATH = `${ANALYTICS_BASE}/skills`;
export const ANALYTICS_CONNECTORS_PATH = `${ANALYTICS_BASE}/connectors`;
export const ANALYTICS_PROJECTS_PATH = `${ANALYTICS_BASE}/apps/chat/projects`;

/** Seats assigned all quarter (the deleted account is out of engagement data). */
export const ASSIGNED_SEATS = SEAT_USERS.filter((u) => !u.deleted).length;

type Filters = Map<string, string[]>;

interface EngagementSpec<Row extends object> {
  scope: string;
  allowDate: boolean;
  filters: readonly string[];
  groupBy: readonly string[];
  sortColumn: string;
  /** A row of the endpoint's shape, to check `order_by` against. */
  template(groupBy: readonly string[]): object;
  validate?(filters: Filters, groupBy: readonly string[]): void;
  build(range: DayRange, filters: Filters, groupBy: readonly string[]): Row[];
  label(row: Row): string;
  tie(row: Row): string;
}

function engagementEndpoint<Row extends object>(ctx: RouteContext, spec: EngagementSpec<Row>): string {
  const q = ctx.query;
  const limit = engagementLimit(q);
  const filters = parseFilters(q, spec.filters);
  const groupBy = parseGroupBy(q, spec.groupBy);
  spec.validate?.(filters, groupBy);
  const ordering = parseOrdering(q, spec.sortColumn, spec.template(groupBy));
  const { fingerprint, cursor } = analyticsCursor(ctx, spec.scope);
  if (cursor !== null && cursor.e !== null && typeof cursor.e !== 'string')
    throw badRequest('page: Invalid page token');
  const range = engagementRange(q, ctx.now, typeof cursor?.e === 'string' ? cursor.e : null, {
    allowDate: spec.allowDate,
  });
  const offset = cursor?.o ?? 0;
  const loop = ctx.controls.loopCursor;
  const incoming = q.one('page');
  const key = `${spec.scope}|${fingerprint}|${range.start}|${range.end}|${offset}|${limit}|${loop ? `loop:${incoming ?? ''}` : ''}`;
  return ctx.cached(key, () => {
    const rows = sortRows(spec.build(range, filters, groupBy), ordering, spec.label, spec.tie);
    const mint = (o: number): string =>
      encodeCursor({ f: fingerprint, o, e: range.mode === 'range' ? range.end : null, c: null });
    const page = pageBounds(rows.length, offset, limit, mint, { on: loop, incoming });
    return JSON.stringify({ data: rows.slice(page.from, page.to), next_page: page.nextPage });
  });
}

/** The user days of a range that pass the `user_id` / `rbac_group_id` filters (deleted accounts dropped). */
function* userDays(range: DayRange, filters: Filters): Generator<UserDay> {
  const users = filters.get('user_id');
  const groups = rbacFilter(filters.get('rbac_group_id'));
  for (const day of range.days) {
    for (const ud of analyticsDay(day)) {
      if (ud.user.deleted) continue;
      if (users !== undefined && !users.includes(ud.user.id)) continue;
      if (groups !== undefined && !groups.some((g) => g.members.has(ud.user.id))) continue;
      yield ud;
    }
  }
}

/** Group fan-out of a user: every group held (restricted to a filter, if any), or the null group. */
function groupKeys(userId: string, filter: readonly RbacGroup[] | undefined): (RbacGroup | null)[] {
  const held = groupsOfUser(userId).filter((g) => filter === undefined || filter.includes(g));
  if (held.length > 0) return held;
  return filter === undefined ? [null] : [];
}

function groupFields(
  groupBy: readonly string[],
  g: RbacGroup | null,
  userId: string | null,
  product: string | null,
): object {
  return {
    ...(groupBy.includes('product') ? { product } : {}),
    ...(groupBy.includes('user_id') ? { user_id: userId } : {}),
    ...(groupBy.includes('rbac_group_id')
      ? { rbac_group_id: g?.id ?? null, rbac_group_name: g?.name ?? null }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// /users
// ---------------------------------------------------------------------------------------------------

interface UserAcc {
  user: SeatUser;
  metrics: UserMetrics;
  sets: Map<string, Set<string>>;
  lastActive: string | null;
}

function addToSet(sets: Map<string, Set<string>>, key: string, value: string): void {
  let set = sets.get(key);
  if (set === undefined) {
    set = new Set();
    sets.set(key, set);
  }
  set.add(value);
}

/** Distinct counts over a range are recomputed from the day's sets, never summed (as the vendor says). */
function recomputeDistinct(m: UserMetrics, sets: Map<string, Set<string>>): void {
  const size = (key: string): number => sets.get(key)?.size ?? 0;
  m.chat_metrics.distinct_skills_used_count = size('skill|chat|');
  m.chat_metrics.distinct_connectors_used_count = size('connector|chat|');
  m.chat_metrics.distinct_projects_used_count = size('project');
  m.cowork_metrics.distinct_skills_used_count = size('skill|cowork|');
  m.cowork_metrics.distinct_connectors_used_count = size('connector|cowork|');
  for (const app of OFFICE_APPS) {
    m.office_metrics[app].distinct_skills_used_count = size(`skill|office_agent|${app}`);
    m.office_metrics[app].distinct_connectors_used_count = size(`connector|office_agent|${app}`);
  }
}

function projectOnlyMetrics(ud: UserDay, projects: readonly string[]): UserMetrics {
  const m = zeroUserMetrics();
  for (const p of ud.projects) {
    if (!projects.includes(p.projectId)) continue;
    m.chat_metrics.message_count += p.messages;
    m.chat_metrics.distinct_conversation_count += p.conversations;
  }
  return m;
}

function userAccs(range: DayRange, filters: Filters): UserAcc[] {
  const projects = filters.get('project_id');
  const accs = new Map<string, UserAcc>();
  for (const ud of userDays(range, filters)) {
    let acc = accs.get(ud.user.id);
    if (acc === undefined) {
      acc = { user: ud.user, metrics: zeroUserMetrics(), sets: new Map(), lastActive: null };
      accs.set(ud.user.id, acc);
    }
    if (projects !== undefined) {
      // Rows limited to chat in the filtered projects.
      const m = projectOnlyMetrics(ud, projects);
      acc.metrics = addTrees(acc.metrics, m);
      for (const p of ud.projects)
        if (projects.includes(p.projectId)) addToSet(acc.sets, 'project', p.projectId);
      if (m.chat_metrics.message_count > 0) acc.lastActive = ud.day;
      continue;
    }
    acc.metrics = addTrees(acc.metrics, ud.metrics);
    for (const s of ud.skills) addToSet(acc.sets, `skill|${s.product}|${s.app ?? ''}`, s.skill);
    for (const c of ud.connectors) addToSet(acc.sets, `connector|${c.product}|${c.app ?? ''}`, c.connector);
    for (const p of ud.projects) addToSet(acc.sets, 'project', p.projectId);
    if (ud.active) acc.lastActive = ud.day;
  }
  const out = [...accs.values()];
  for (const acc of out) {
    if (projects !== undefined)
      acc.metrics.chat_metrics.distinct_projects_used_count = acc.sets.get('project')?.size ?? 0;
    else recomputeDistinct(acc.metrics, acc.sets);
  }
  return projects === undefined ? out : out.filter((a) => a.lastActive !== null);
}

/** On aggregated rows, distinct counts that cannot be summed are null; creation counts and Claude Code sessions sum exactly. */
function aggregateMetrics(metrics: readonly UserMetrics[]): UserMetrics {
  const total = metrics.reduce((a, b) => addTrees(a, b), zeroUserMetrics());
  return mapLeaves(total, (path, value) =>
    /(^|\.)distinct_/.test(path) &&
    !path.endsWith('_created_count') &&
    path !== 'claude_code_metrics.core_metrics.distinct_session_count'
      ? null
      : value,
  );
}

function usersRows(range: DayRange, filters: Filters, groupBy: readonly string[]): object[] {
  const accs = userAccs(range, filters);
  if (!groupBy.includes('rbac_group_id')) {
    return accs.map((a) => ({
      user: { id: a.user.id, email_address: a.user.email ?? '', type: 'user' },
      ...a.metrics,
      last_activity_date: a.lastActive,
    }));
  }
  const filter = rbacFilter(filters.get('rbac_group_id'));
  const members = new Map<string, { group: RbacGroup | null; accs: UserAcc[] }>();
  for (const acc of accs) {
    for (const g of groupKeys(acc.user.id, filter)) {
      const key = g?.id ?? '';
      const entry = members.get(key) ?? { group: g, accs: [] };
      entry.accs.push(acc);
      members.set(key, entry);
    }
  }
  return [...members.values()].map(({ group, accs: list }) => ({
    user: null,
    ...aggregateMetrics(list.map((a) => a.metrics)),
    distinct_user_count: list.filter((a) => a.lastActive !== null).length,
    last_activity_date: null,
    rbac_group_id: group?.id ?? null,
    rbac_group_name: group?.name ?? null,
  }));
}

function rowLabel(row: object, ...fields: string[]): string {
  const r = row as Record<string, unknown>;
  for (const f of fields) {
    const v = r[f];
    if (typeof v === 'string') return v.toLowerCase();
    if (typeof v === 'object' && v !== null) {
      const email = (v as { email_address?: unknown }).email_address;
      if (typeof email === 'string') return email.toLowerCase();
    }
  }
  // Rows without a label (e.g. the null RBAC group) sort last.
  return '\uffff';
}

function rowTie(row: object): string {
  const r = row as Record<string, unknown>;
  const user = r.user as { id?: string } | null | undefined;
  return JSON.stringify([user?.id ?? null, r.user_id ?? null, r.rbac_group_id ?? null, r.product ?? null]);
}

export function analyticsUsers(ctx: RouteContext): string {
  return engagementEndpoint<object>(ctx, {
    scope: 'analytics/users',
    allowDate: true,
    filters: ['project_id', 'rbac_group_id', 'user_id'],
    groupBy: ['rbac_group_id'],
    sortColumn: 'email_address',
    template: () => ({ ...zeroUserMetrics(), distinct_user_count: 0 }),
    validate(filters, groupBy) {
      if (filters.has('project_id') && (groupBy.length > 0 || filters.has('rbac_group_id'))) {
        throw badRequest(
          'filter[]: project_id cannot be combined with group_by[] or an rbac_group_id filter',
        );
      }
    },
    build: usersRows,
    label: (row) => rowLabel(row, 'user', 'rbac_group_name'),
    tie: rowTie,
  });
}

// ---------------------------------------------------------------------------------------------------
// /summaries
// ---------------------------------------------------------------------------------------------------

interface ActiveSets {
  all: Set<string>;
  chat: Set<string>;
  claude_code: Set<string>;
  cowork: Set<string>;
}

const activeCache = new LruCache<string, ActiveSets>(800);

function activeOn(day: string): ActiveSets {
  let sets = activeCache.get(day);
  if (sets === undefined) {
    sets = { all: new Set(), chat: new Set(), claude_code: new Set(), cowork: new Set() };
    for (const ud of analyticsDay(day)) {
      if (ud.user.deleted) continue;
      if (ud.active) sets.all.add(ud.user.id);
      if (ud.activeIn.chat) sets.chat.add(ud.user.id);
      if (ud.activeIn.claude_code) sets.claude_code.add(ud.user.id);
      if (ud.activeIn.cowork) sets.cowork.add(ud.user.id);
    }
    activeCache.set(day, sets);
  }
  return sets;
}

/** Distinct users active in the `window` days ending with `day`, optionally only `members`. */
function activeCount(
  day: string,
  window: number,
  kind: keyof ActiveSets,
  members: ReadonlySet<string> | null,
): number {
  const users = new Set<string>();
  const dayMs = parseDay(day) ?? 0;
  for (let i = 0; i < window; i++) {
    for (const id of activeOn(formatDay(dayMs - i * DAY_MS))[kind])
      if (members === null || members.has(id)) users.add(id);
  }
  return users.size;
}

function rate(count: number, seats: number): number {
  return Math.round((count * 10_000) / seats) / 100;
}

export function analyticsSummaries(ctx: RouteContext): string {
  const q = ctx.query;
  const filters = parseFilters(q, ['rbac_group_id']);
  parseGroupBy(q, []);
  const range = engagementRange(q, ctx.now, null, { allowDate: false });
  const envelope = ctx.controls.summariesEnvelope;
  const groups = rbacFilter(filters.get('rbac_group_id'));
  const key = `summaries|${q.fingerprint(['page', 'limit'])}|${range.start}|${range.end}|${envelope}`;
  return ctx.cached(key, () => {
    const members = groups === undefined ? null : new Set(groups.flatMap((g) => [...g.members]));
    const seats = members === null ? ASSIGNED_SEATS : null;
    const rows = range.days.map((day) => {
      const count = (window: number, kind: keyof ActiveSets): number =>
        activeCount(day, window, kind, members);
      const dau = count(1, 'all');
      const wau = count(7, 'all');
      const mau = count(30, 'all');
      const startMs = parseDay(day) ?? 0;
      return {
        starting_at: `${day}T00:00:00Z`,
        ending_at: `${formatDay(startMs + DAY_MS)}T00:00:00Z`,
        daily_active_user_count: dau,
        weekly_active_user_count: wau,
        monthly_active_user_count: mau,
        // Seat-based fields are null under an RBAC filter.
        assigned_seat_count: seats,
        pending_invite_count: seats === null ? null : hashString(`invites|${day}`) % 5,
        daily_adoption_rate: seats === null ? null : rate(dau, seats),
        weekly_adoption_rate: seats === null ? null : rate(wau, seats),
        monthly_adoption_rate: seats === null ? null : rate(mau, seats),
        cowork_daily_active_user_count: count(1, 'cowork'),
        cowork_weekly_active_user_count: count(7, 'cowork'),
        cowork_monthly_active_user_count: count(30, 'cowork'),
        chat_daily_active_user_count: count(1, 'chat'),
        chat_weekly_active_user_count: count(7, 'chat'),
        chat_monthly_active_user_count: count(30, 'chat'),
        claude_code_daily_active_user_count: count(1, 'claude_code'),
        claude_code_weekly_active_user_count: count(7, 'claude_code'),
        claude_code_monthly_active_user_count: count(30, 'claude_code'),
      };
    });
    return JSON.stringify(envelope === 'data' ? { data: rows, next_page: null } : { summaries: rows });
  });
}

// ---------------------------------------------------------------------------------------------------
// /skills and /connectors
// ---------------------------------------------------------------------------------------------------

interface UseAcc {
  name: string;
  product: string | null;
  group: RbacGroup | null;
  userId: string | null;
  users: Set<string>;
  chat: number;
  claudeCode: number;
  cowork: number;
  office: Record<OfficeApp, number>;
  invocations: number;
  reads: number;
  writes: number;
  unclassified: number;
}

interface GenericUse {
  name: string;
  product: string;
  app: OfficeApp | null;
  units: number;
  invocations: number;
  reads: number;
  writes: number;
  unclassified: number;
}

function accumulateUses(
  range: DayRange,
  filters: Filters,
  groupBy: readonly string[],
  usesOf: (ud: UserDay) => GenericUse[],
  nameFilter: (name: string) => boolean,
): UseAcc[] {
  const products = filters.get('product');
  const rbac = rbacFilter(filters.get('rbac_group_id'));
  const accs = new Map<string, UseAcc>();
  for (const ud of userDays(range, filters)) {
    for (const use of usesOf(ud)) {
      if (products !== undefined && !products.includes(use.product)) continue;
      if (!nameFilter(use.name)) continue;
      const groups = groupBy.includes('rbac_group_id') ? groupKeys(ud.user.id, rbac) : [null];
      for (const g of groups) {
        const product = groupBy.includes('product') ? use.product : null;
        const userId = groupBy.includes('user_id') ? ud.user.id : null;
        const key = JSON.stringify([use.name, product, g?.id ?? null, userId]);
        let acc = accs.get(key);
        if (acc === undefined) {
          acc = {
            name: use.name,
            product,
            group: g,
            userId,
            users: new Set(),
            chat: 0,
            claudeCode: 0,
            cowork: 0,
            office: { excel: 0, outlook: 0, powerpoint: 0, word: 0 },
            invocations: 0,
            reads: 0,
            writes: 0,
            unclassified: 0,
          };
          accs.set(key, acc);
        }
        acc.users.add(ud.user.id);
        if (use.product === 'chat') acc.chat += use.units;
        if (use.product === 'claude_code') acc.claudeCode += use.units;
        if (use.product === 'cowork') acc.cowork += use.units;
        if (use.app !== null) acc.office[use.app] += use.units;
        acc.invocations += use.invocations;
        acc.reads += use.reads;
        acc.writes += use.writes;
        acc.unclassified += use.unclassified;
      }
    }
  }
  return [...accs.values()];
}

function officeBlock(acc: UseAcc | null, field: string): Record<OfficeApp, Record<string, number>> {
  return {
    excel: { [field]: acc?.office.excel ?? 0 },
    outlook: { [field]: acc?.office.outlook ?? 0 },
    powerpoint: { [field]: acc?.office.powerpoint ?? 0 },
    word: { [field]: acc?.office.word ?? 0 },
  };
}

function skillRow(acc: UseAcc | null, groupBy: readonly string[]): object {
  const skill = SKILLS.find((s) => s.name === acc?.name);
  const field = 'distinct_session_skill_used_count';
  return {
    skill_name: acc?.name ?? '',
    skill_display_name: skill?.display_name ?? null,
    share_status: skill?.share_status ?? null,
    distinct_user_count: acc?.users.size ?? 0,
    chat_metrics: { distinct_conversation_skill_used_count: acc?.chat ?? 0 },
    claude_code_metrics: { [field]: acc?.claudeCode ?? 0 },
    cowork_metrics: { [field]: acc?.cowork ?? 0 },
    office_metrics: officeBlock(acc, field),
    invocation_count: acc?.invocations ?? 0,
    ...groupFields(groupBy, acc?.group ?? null, acc?.userId ?? null, acc?.product ?? null),
  };
}

const SHARE_STATUSES = ['organization', 'private', 'public'];

export function analyticsSkills(ctx: RouteContext): string {
  return engagementEndpoint<object>(ctx, {
    scope: 'analytics/skills',
    allowDate: true,
    filters: ['product', 'rbac_group_id', 'share_status', 'skill_name', 'user_id'],
    groupBy: ['product', 'rbac_group_id', 'user_id'],
    sortColumn: 'skill_name',
    template: (groupBy) => skillRow(null, groupBy),
    validate(filters) {
      requireValues('product', filters.get('product'), ENGAGEMENT_PRODUCTS);
      requireValues('share_status', filters.get('share_status'), SHARE_STATUSES);
    },
    build(range, filters, groupBy) {
      const names = filters.get('skill_name')?.map((n) => n.toLowerCase());
      const statuses = filters.get('share_status');
      const accs = accumulateUses(
        range,
        filters,
        groupBy,
        (ud) =>
          ud.skills.map((s) => ({
            name: s.skill,
            product: s.product,
            app: s.app,
            units: s.units,
            invocations: s.invocations,
            reads: 0,
            writes: 0,
            unclassified: 0,
          })),
        (name) =>
          (names === undefined || names.includes(name.toLowerCase())) &&
          (statuses === undefined ||
            statuses.includes(SKILLS.find((s) => s.name === name)?.share_status ?? '')),
      );
      return accs.map((a) => skillRow(a, groupBy));
    },
    label: (row) => rowLabel(row, 'skill_name'),
    tie: rowTie,
  });
}

function connectorRow(acc: UseAcc | null, groupBy: readonly string[]): object {
  const field = 'distinct_session_connector_used_count';
  return {
    connector_name: acc?.name ?? '',
    distinct_user_count: acc?.users.size ?? 0,
    chat_metrics: { distinct_conversation_connector_used_count: acc?.chat ?? 0 },
    claude_code_metrics: { [field]: acc?.claudeCode ?? 0 },
    cowork_metrics: { [field]: acc?.cowork ?? 0 },
    office_metrics: officeBlock(acc, field),
    read_call_count: acc?.reads ?? 0,
    write_call_count: acc?.writes ?? 0,
    unclassified_call_count: acc?.unclassified ?? 0,
    ...groupFields(groupBy, acc?.group ?? null, acc?.userId ?? null, acc?.product ?? null),
  };
}

export function analyticsConnectors(ctx: RouteContext): string {
  return engagementEndpoint<object>(ctx, {
    scope: 'analytics/connectors',
    allowDate: true,
    filters: ['connector_name', 'product', 'rbac_group_id', 'user_id'],
    groupBy: ['product', 'rbac_group_id', 'user_id'],
    sortColumn: 'connector_name',
    template: (groupBy) => connectorRow(null, groupBy),
    validate(filters) {
      requireValues('product', filters.get('product'), ENGAGEMENT_PRODUCTS);
    },
    build(range, filters, groupBy) {
      const names = filters.get('connector_name')?.map((n) => n.toLowerCase());
      const accs = accumulateUses(
        range,
        filters,
        groupBy,
        (ud) =>
          ud.connectors.map((c) => ({
            name: c.connector,
            product: c.product,
            app: c.app,
            units: c.units,
            invocations: 0,
            reads: c.reads,
            writes: c.writes,
            unclassified: c.unclassified,
          })),
        (name) => names === undefined || names.includes(name.toLowerCase()),
      );
      return accs.map((a) => connectorRow(a, groupBy));
    },
    label: (row) => rowLabel(row, 'connector_name'),
    tie: rowTie,
  });
}

// ---------------------------------------------------------------------------------------------------
// /apps/chat/projects
// ---------------------------------------------------------------------------------------------------

interface ProjectAcc {
  projectId: string;
  group: RbacGroup | null;
  userId: string | null;
  users: Set<string>;
  messages: number;
  conversations: number;
}

function projectRow(acc: ProjectAcc | null, groupBy: readonly string[]): object {
  const project = CHAT_PROJECTS.find((p) => p.id === acc?.projectId);
  const creator = project ? SEAT_USER_BY_ID.get(project.created_by) : undefined;
  return {
    project_id: acc?.projectId ?? '',
    project_name: project?.name ?? '',
    distinct_user_count: acc?.users.size ?? 0,
    message_count: acc?.messages ?? 0,
    distinct_conversation_count: acc?.conversations ?? 0,
    created_at: project?.created_at ?? null,
    created_by: creator ? { id: creator.id, email_address: creator.email ?? '', type: 'user' } : null,
    ...groupFields(groupBy, acc?.group ?? null, acc?.userId ?? null, null),
  };
}

export function analyticsProjects(ctx: RouteContext): string {
  return engagementEndpoint<object>(ctx, {
    scope: 'analytics/apps/chat/projects',
    allowDate: true,
    filters: ['project_id', 'rbac_group_id', 'user_id'],
    groupBy: ['rbac_group_id', 'user_id'],
    sortColumn: 'project_name',
    template: (groupBy) => projectRow(null, groupBy),
    build(range, filters, groupBy) {
      const projects = filters.get('project_id');
      const rbac = rbacFilter(filters.get('rbac_group_id'));
      const accs = new Map<string, ProjectAcc>();
      for (const ud of userDays(range, filters)) {
        for (const use of ud.projects) {
          if (projects !== undefined && !projects.includes(use.projectId)) continue;
          const groups = groupBy.includes('rbac_group_id') ? groupKeys(ud.user.id, rbac) : [null];
          for (const g of groups) {
            const userId = groupBy.includes('user_id') ? ud.user.id : null;
            const key = JSON.stringify([use.projectId, g?.id ?? null, userId]);
            const acc = accs.get(key) ?? {
              projectId: use.projectId,
              group: g,
              userId,
              users: new Set<string>(),
              messages: 0,
              conversations: 0,
            };
            acc.users.add(ud.user.id);
            acc.messages += use.messages;
            acc.conversations += use.conversations;
            accs.set(key, acc);
          }
        }
      }
      return [...accs.values()].map((a) => projectRow(a, groupBy));
    },
    label: (row) => rowLabel(row, 'project_name'),
    tie: (row) => JSON.stringify([(row as { project_id?: string }).project_id ?? null, rowTie(row)]),
  });
}

/** For tests: the non-deleted seat users, so `/users` row counts can be checked. */
export function engagementSeatUsers(): SeatUser[] {
  return SEAT_USERS.filter((u) => !u.deleted);
}
