/**
 * The fictional team behind the Cursor emulator: Halcyon Tools, an Enterprise team with a dozen
 * members (one removed mid-history, one who joined late), the models they use and what those
 * cost. Everything here is fixed data; the daily facts are drawn from it in `facts.ts`.
 */
import { Rng, rate, type Rate } from '../../../src/emulator-kit/index.js';

/** The Admin API key the sandbox and tests use; shaped like a real `crsr_…` key. */
export const SANDBOX_API_KEY = 'crsr_sandbox_halcyon_tools_emulator_0000000000000000000000000000AA';
/** A second team's key (a different team: its own rate-limit window, its own members). */
export const OTHER_TEAM_API_KEY = 'crsr_sandbox_other_team_emulator_000000000000000000000000000000BB';

export const TEAM_NAME = 'Halcyon Tools';

/** How much a member uses Cursor on an ordinary weekday. */
export type Intensity = 'light' | 'medium' | 'heavy';

export interface Member {
  /** Encoded id (`user_…`): the namespace of /teams/members and /teams/spend. */
  id: string;
  /** Numeric id: the namespace of /teams/daily-usage-data and the usage-events filter. */
  numericId: number;
  email: string;
  name: string;
  role: 'owner' | 'member';
  /** First UTC day of membership (YYYY-MM-DD). */
  joined: string;
  /** Last UTC day of membership, for a member who was removed. */
  removed?: string;
  intensity: Intensity;
  /** Share of this member's requests that are usage-based (beyond the plan). */
  usageBasedShare: number;
  /** Per-user hard limit override in dollars; 0 = none. */
  hardLimitOverrideDollars: number;
  monthlyLimitDollars: number | null;
  clientVersion: string;
  extensions: readonly string[];
}

const PEOPLE: readonly (readonly [string, string, Intensity, number])[] = [
  ['Ines Alvarez', 'owner', 'heavy', 0.35],
  ['Tomas Berg', 'member', 'heavy', 0.4],
  ['Priya Chandran', 'member', 'medium', 0.2],
  ['Malik Diallo', 'member', 'medium', 0.15],
  ['Sofia Eriksen', 'member', 'light', 0.05],
  ['Kenji Fujita', 'member', 'heavy', 0.5],
  ['Hana Gruber', 'member', 'medium', 0.25],
  ['Owen Hughes', 'member', 'light', 0],
  ['Leila Idrissi', 'member', 'medium', 0.1],
  ['Jonas Keller', 'member', 'light', 0.05],
  ['Ana Lima', 'member', 'heavy', 0.3],
  ['Rui Matsuda', 'member', 'medium', 0.2],
].map(([name, role, intensity, share]) => [name, role, intensity, share] as const) as never;

const EXTENSIONS = ['.ts', '.tsx', '.py', '.go', '.rs', '.sql', '.md', '.java'] as const;
const VERSIONS = ['2.1.4', '2.1.7', '2.2.0', '2.2.3'] as const;

function email(name: string): string {
  // Mixed case on purpose: Cursor echoes what the member typed; joins must not depend on case.
  const [first, last] = name.split(' ') as [string, string];
  const local = `${first}.${last}`.normalize('NFD').replace(/[^\w.]/g, '');
  return name === 'Tomas Berg' ? `Tomas.Berg@halcyon.example` : `${local.toLowerCase()}@halcyon.example`;
}

export const MEMBERS: readonly Member[] = PEOPLE.map(([name, role, intensity, share], i) => {
  const rng = new Rng(`member|${name}`);
  return {
    id: `user_${rng.base62(22)}`,
    numericId: 418_000 + i * 37,
    email: email(name),
    name,
    role: role as Member['role'],
    // Priya joined on March 1st 2026; Jonas was removed after February 10th 2026.
    joined: name === 'Priya Chandran' ? '2026-03-01' : '2025-06-01',
    ...(name === 'Jonas Keller' ? { removed: '2026-02-10' } : {}),
    intensity,
    usageBasedShare: share,
    hardLimitOverrideDollars: i % 5 === 1 ? 150 : 0,
    monthlyLimitDollars: i % 4 === 0 ? 200 : null,
    clientVersion: rng.pick(VERSIONS),
    extensions: [rng.pick(EXTENSIONS), rng.pick(EXTENSIONS)],
  };
});

/** Team-wide per-user spend limit in dollars (what applies without an override). */
export const TEAM_PER_USER_LIMIT_DOLLARS = 100;

export function memberByEmail(address: string): Member | undefined {
  const wanted = address.toLowerCase();
  return MEMBERS.find((m) => m.email.toLowerCase() === wanted);
}

/** Whether `m` was a member on `day`. */
export function memberOn(m: Member, day: string): boolean {
  return day >= m.joined && (m.removed === undefined || day <= m.removed);
}

export interface Model {
  id: string;
  /** Third-party models carry the Cursor Token Rate on top of the model cost. */
  thirdParty: boolean;
  /** Cents per million tokens. */
  input: Rate;
  output: Rate;
  cacheRead: Rate;
  cacheWrite: Rate;
  weight: number;
}

export const MODELS: readonly Model[] = [
  {
    id: 'claude-4.5-sonnet',
    thirdParty: true,
    input: rate(300),
    output: rate(1500),
    cacheRead: rate(30),
    cacheWrite: rate(375),
    weight: 5,
  },
  {
    id: 'gpt-5',
    thirdParty: true,
    input: rate(125),
    output: rate(1000),
    cacheRead: rate(13),
    cacheWrite: rate(125),
    weight: 3,
  },
  {
    id: 'composer-1',
    thirdParty: false,
    input: rate(125),
    output: rate(1000),
    cacheRead: rate(13),
    cacheWrite: rate(0),
    weight: 4,
  },
  {
    id: 'gemini-2.5-pro',
    thirdParty: true,
    input: rate(125),
    output: rate(1000),
    cacheRead: rate(31),
    cacheWrite: rate(125),
    weight: 1,
  },
];

/** Cursor Token Rate on third-party models: cents per million tokens of any kind. */
export const CURSOR_TOKEN_RATE = rate(25);

/** Billing kinds as /teams/filtered-usage-events labels them. */
export const KIND_USAGE_BASED = 'Usage-based';
export const KIND_INCLUDED = 'Included in Business';
