/**
 * Northwind as a claude.ai Enterprise organisation, for the Analytics API: the same people as
 * org.ts (same `user_01…` ids) holding seats, plus one account deleted mid-quarter, RBAC groups,
 * chat projects, skills, connectors and Slack channels. Static facts; daily activity is in
 * analytics-activity.ts.
 */
import { NORTHWIND_ORG, NORTHWIND_USERS, type OrgUser } from './org.js';
import { Rng } from './prng.js';

/** Analytics names the organisation with a tagged id (the Claude Code report uses a UUID). */
export const ANALYTICS_ORG_ID = `org_01${new Rng(`analytics-org|${NORTHWIND_ORG.id}`).base62(22)}`;
/** The Analytics API serves nothing before this day. */
export const ANALYTICS_DATA_SINCE = '2026-01-01';

export interface SeatUser {
  id: string;
  /** null for the deleted account. */
  email: string | null;
  name: string;
  deleted: boolean;
  /** First day without activity (the account was deleted that day); null = still active. */
  deletedOn: string | null;
  /** The Console/org record behind the seat; null for the deleted account (gone from org.ts). */
  orgUser: OrgUser | null;
}

/** Deleted on 2026-02-20: its usage and cost before then still show, as "Deleted User". */
export const DELETED_SEAT_USER: SeatUser = {
  id: `user_01${new Rng('user|deleted|northwind-robotics').base62(22)}`,
  email: null,
  name: 'Deleted User',
  deleted: true,
  deletedOn: '2026-02-20',
  orgUser: null,
};

export const SEAT_USERS: readonly SeatUser[] = [
  ...NORTHWIND_USERS.map((u) => ({
    id: u.id,
    email: u.email_address,
    name: u.name,
    deleted: false,
    deletedOn: null,
    orgUser: u,
  })),
  DELETED_SEAT_USER,
];

export const SEAT_USER_BY_ID: ReadonlyMap<string, SeatUser> = new Map(SEAT_USERS.map((u) => [u.id, u]));

/** Seat users with activity on `day` (the deleted account only before its deletion day). */
export function seatUsersOn(day: string): SeatUser[] {
  return SEAT_USERS.filter((u) => u.deletedOn === null || day < u.deletedOn);
}

// ---------------------------------------------------------------------------------------------------
// RBAC groups (static membership; a user may hold several groups or none)
// ---------------------------------------------------------------------------------------------------

export interface RbacGroup {
  id: string;
  /** Filters accept the bare UUID as well as the tagged id. */
  uuid: string;
  name: string;
  members: ReadonlySet<string>;
}

function uuidFrom(seed: string): string {
  const hex = Array.from({ length: 4 }, (_, i) =>
    new Rng(`${seed}|${i}`).int(0, 0xffffffff).toString(16).padStart(8, '0'),
  ).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const TEAMS = ['Firmware', 'Perception', 'Platform'] as const;

function teamOf(user: OrgUser): (typeof TEAMS)[number] | null {
  if (user.role !== 'developer' && user.role !== 'claude_code_user') return null;
  return new Rng(`team|${user.id}`).pick(TEAMS);
}

function group(name: string, members: Iterable<string>): RbacGroup {
  return {
    id: `rbac_group_01${new Rng(`rbac|${name}`).base62(22)}`,
    uuid: uuidFrom(`rbac-uuid|${name}`),
    name,
    members: new Set(members),
  };
}

const engineers = NORTHWIND_USERS.filter((u) => teamOf(u) !== null);

export const RBAC_GROUPS: readonly RbacGroup[] = [
  group('Engineering', [...engineers.map((u) => u.id), DELETED_SEAT_USER.id]),
  ...TEAMS.map((team) =>
    group(
      `${team} Team`,
      engineers.filter((u) => teamOf(u) === team).map((u) => u.id),
    ),
  ),
  group(
    'Operations',
    NORTHWIND_USERS.filter((u) => u.role === 'admin' || u.role === 'billing').map((u) => u.id),
  ),
];

export function groupsOfUser(userId: string): readonly RbacGroup[] {
  return RBAC_GROUPS.filter((g) => g.members.has(userId));
}

/** The group a filter value names (tagged id or bare UUID), if any. */
export function findRbacGroup(value: string): RbacGroup | undefined {
  return RBAC_GROUPS.find((g) => g.id === value || g.uuid === value.toLowerCase());
}

// ---------------------------------------------------------------------------------------------------
// Catalogues: chat projects, skills, connectors, Slack channels
// ---------------------------------------------------------------------------------------------------

export interface ChatProject {
  id: string;
  name: string;
  created_at: string;
  created_by: string;
}

const PROJECT_SEED: readonly (readonly [string, string])[] = [
  ['Firmware RFCs', 'aiko.tanaka'],
  ['Perception Papers', 'kenji.watanabe'],
  ['Onboarding Handbook', 'dana.okafor'],
  ['Customer Escalations', 'hannah.schmidt'],
  ['Release Notes', 'mateo.alvarez'],
  ['Hiring Loop', 'dana.okafor'],
  ['Supplier Contracts', 'chloe.martin'],
  ['ROS 2 Migration', 'Priya.Raman'],
];

function userByLocal(local: string): OrgUser {
  const user = NORTHWIND_USERS.find((u) => u.email_address.startsWith(`${local}@`));
  if (!user) throw new RangeError(`unknown user ${local}`);
  return user;
}

export const CHAT_PROJECTS: readonly ChatProject[] = PROJECT_SEED.map(([name, creator]) => {
  const rng = new Rng(`project|${name}`);
  const created = Date.UTC(2025, 3, 1) + rng.int(0, 240) * 86_400_000 + rng.int(0, 86_399) * 1000;
  return {
    id: `claude_proj_01${rng.base62(22)}`,
    name,
    created_at: new Date(created).toISOString().replace('.000Z', 'Z'),
    created_by: userByLocal(creator).id,
  };
});

export type EngagementProduct = 'chat' | 'claude_code' | 'cowork' | 'office_agent';
export const ENGAGEMENT_PRODUCTS: readonly EngagementProduct[] = [
  'chat',
  'claude_code',
  'cowork',
  'office_agent',
];
export type OfficeApp = 'excel' | 'outlook' | 'powerpoint' | 'word';
export const OFFICE_APPS: readonly OfficeApp[] = ['excel', 'outlook', 'powerpoint', 'word'];

export interface Skill {
  name: string;
  display_name: string;
  share_status: 'organization' | 'private' | 'public';
  products: readonly EngagementProduct[];
}

export const SKILLS: readonly Skill[] = [
  {
    name: 'brand-guidelines',
    display_name: 'Brand Guidelines',
    share_status: 'organization',
    products: ['chat', 'cowork', 'office_agent'],
  },
  {
    name: 'docx',
    display_name: 'Word Documents',
    share_status: 'public',
    products: ['chat', 'cowork', 'office_agent'],
  },
  {
    name: 'firmware-review',
    display_name: 'Firmware Review',
    share_status: 'organization',
    products: ['claude_code', 'chat'],
  },
  {
    name: 'incident-postmortem',
    display_name: 'Incident Postmortem',
    share_status: 'organization',
    products: ['chat', 'claude_code'],
  },
  { name: 'pdf', display_name: 'PDF', share_status: 'public', products: ['chat', 'cowork'] },
  { name: 'pptx', display_name: 'PowerPoint', share_status: 'public', products: ['chat', 'office_agent'] },
  {
    name: 'ros2-launch-helper',
    display_name: 'ROS 2 Launch Helper',
    share_status: 'private',
    products: ['claude_code'],
  },
  {
    name: 'xlsx',
    display_name: 'Spreadsheets',
    share_status: 'public',
    products: ['chat', 'cowork', 'office_agent'],
  },
];

export interface Connector {
  /** Normalised name (all Atlassian MCP variants are `atlassian`). */
  name: string;
  products: readonly EngagementProduct[];
}

export const CONNECTORS: readonly Connector[] = [
  { name: 'atlassian', products: ['chat', 'claude_code', 'cowork'] },
  { name: 'github', products: ['chat', 'claude_code', 'cowork'] },
  { name: 'google-drive', products: ['chat', 'cowork', 'office_agent'] },
  { name: 'linear', products: ['chat', 'claude_code'] },
  { name: 'sentry', products: ['claude_code'] },
  { name: 'slack', products: ['chat', 'cowork', 'office_agent'] },
];

export const SLACK_CHANNELS: readonly string[] = ['eng-firmware', 'perception', 'ops-help'].map(
  (name) => `C0${new Rng(`slack|${name}`).base62(9).toUpperCase()}`,
);
