/**
 * The fictional organisation behind the OpenAI emulator, "Kestrel Freight Labs": projects, people,
 * API keys and seeded facts per UTC day. Every report is computed from the same facts (usage
 * buckets sum them, costs price them, Codex analytics has its own per-user days), so the numbers
 * agree across endpoints and never change for a given day.
 */
import {
  DAY_MS,
  Rng,
  formatDay,
  isWeekend,
  parseDay,
  recordsOnDay,
} from '../../../src/emulator-kit/index.js';

export const ORG = { id: 'org-kestrel-freight', name: 'Kestrel Freight Labs' } as const;
export const WORKSPACE_ID = 'ws-kestrel-enterprise';
/** Days of data that exist before `now` (a rolling horizon). */
export const HORIZON_DAYS = 120;
/** From this day on, usage results use the current meaning of `input_tokens` (all input). */
export const TOKEN_CHANGE_DAY = '2026-07-15';
export const TOKEN_CHANGE_S = Date.UTC(2026, 6, 15) / 1000;

export const PROJECTS = [
  { id: 'proj_kestrel_default', name: 'Default project' },
  { id: 'proj_kestrel_routing', name: 'Route planner' },
  { id: 'proj_kestrel_support', name: 'Support assistant' },
] as const;

export interface OrgUser {
  object: 'organization.user';
  id: string;
  email: string;
  name: string;
  role: 'owner' | 'reader';
  added_at: number;
}

const PEOPLE = [
  ['Amara Okafor', 'owner'],
  ['Bruno Castelli', 'reader'],
  ['Chen Wei', 'reader'],
  ['Dana Whitfield', 'owner'],
  ['Elif Yilmaz', 'reader'],
  ['Farid Haddad', 'reader'],
  ['Greta Lindqvist', 'reader'],
  ['Hiro Tanaka', 'reader'],
  ['Ines Duarte', 'reader'],
  ['Jonah Mbeki', 'reader'],
  ['Kavya Raman', 'reader'],
  ['Luis Ortega', 'reader'],
] as const;

export const USERS: readonly OrgUser[] = PEOPLE.map(([name, role], i) => {
  const rng = new Rng(`user|${name}`);
  const [first = '', last = ''] = name.split(' ');
  return {
    object: 'organization.user',
    id: `user-${rng.base62(20)}`,
    // Mixed case on purpose: the gateway compares emails case-insensitively.
    email:
      i % 4 === 1
        ? `${first}.${last}@Kestrel-Freight.example`
        : `${first}.${last}@kestrel-freight.example`.toLowerCase(),
    name,
    role,
    added_at: 1_735_689_600 + i * 86_400 * 9,
  };
});

export interface ApiKey {
  id: string;
  name: string;
  projectId: string;
  /** The person who owns the key; null for a service account's key (its traffic has no user). */
  userId: string | null;
}

export const API_KEYS: readonly ApiKey[] = [
  ...USERS.slice(0, 8).map((u, i) => ({
    id: `key_${new Rng(`key|${u.id}`).base62(16)}`,
    name: `${u.name.split(' ')[0]}'s key`,
    projectId: PROJECTS[i % PROJECTS.length]!.id,
    userId: u.id,
  })),
  {
    id: 'key_svcRouteBatch0001',
    name: 'route-batch (service account)',
    projectId: PROJECTS[1].id,
    userId: null,
  },
  {
    id: 'key_svcSupportBot0002',
    name: 'support-bot (service account)',
    projectId: PROJECTS[2].id,
    userId: null,
  },
];

/** Prices in nano-dollars per token (input, cached input, output); cache writes bill as input. */
export interface ModelPrice {
  input: number;
  cached: number;
  output: number;
}
export const COMPLETION_MODELS: Readonly<Record<string, ModelPrice & { audio: boolean }>> = {
  'gpt-4.1-2025-04-14': { input: 2000, cached: 500, output: 8000, audio: false },
  'gpt-4.1-mini-2025-04-14': { input: 400, cached: 100, output: 1600, audio: false },
  'o4-mini-2025-04-16': { input: 1100, cached: 275, output: 4400, audio: false },
  'gpt-4o-audio-preview-2025-06-03': { input: 2500, cached: 1250, output: 10000, audio: true },
  'gpt-5.1-codex-max': { input: 1250, cached: 125, output: 10000, audio: false },
};
export const EMBEDDING_MODEL = { id: 'text-embedding-3-small', input: 20 } as const;
export const SERVICE_TIERS = ['default', 'flex', 'priority'] as const;

/** One completions fact: what a key sent at one instant, in base quantities (no API semantics). */
export interface CompletionFact {
  at: number; // epoch seconds
  projectId: string;
  userId: string | null;
  apiKeyId: string;
  model: string;
  batch: boolean;
  serviceTier: string;
  /** uncached text input (excluding cache writes), cached text, cache writes */
  text: number;
  cachedText: number;
  cacheWrite: number;
  /** uncached and cached audio input */
  audio: number;
  cachedAudio: number;
  /** output text and audio */
  output: number;
  outputAudio: number;
  requests: number;
}

/** A fact of another usage product: one measured quantity (tokens, images, characters, …). */
export interface ProductFact {
  at: number;
  projectId: string;
  userId: string | null;
  apiKeyId: string | null;
  model: string | null;
  size?: string;
  source?: string;
  value: number;
  requests: number | null;
}

const memo = new Map<string, unknown>();
function once<T>(key: string, make: () => T): T {
  if (!memo.has(key)) memo.set(key, make());
  return memo.get(key) as T;
}

function instant(rng: Rng, dayMs: number): number {
  // office hours mostly, a few night jobs
  const hour = rng.chance(0.85) ? rng.int(7, 19) : rng.int(0, 23);
  return dayMs / 1000 + hour * 3600 + rng.int(0, 59) * 60 + rng.int(0, 59);
}

export function completionFacts(day: string): CompletionFact[] {
  return once(`completions|${day}`, () => {
    const dayMs = parseDay(day);
    if (dayMs === null) return [];
    const n = recordsOnDay({ recordsPerDay: 16, jitter: 0.3, weekendFactor: 0.4 }, 'oa-completions', day);
    const out: CompletionFact[] = [];
    for (let i = 0; i < n; i++) {
      const rng = new Rng(`completion|${day}|${i}`);
      const key = rng.pick(API_KEYS);
      const model = rng.pick(Object.keys(COMPLETION_MODELS));
      const audio = COMPLETION_MODELS[model]!.audio;
      const batch = key.userId === null && rng.chance(0.5);
      const requests = rng.int(1, 40);
      out.push({
        at: instant(rng, dayMs),
        projectId: key.projectId,
        userId: key.userId,
        apiKeyId: key.id,
        model,
        batch,
        serviceTier: batch ? 'batch' : rng.pick(SERVICE_TIERS),
        text: requests * rng.int(200, 3000),
        cachedText: rng.chance(0.7) ? requests * rng.int(100, 2000) : 0,
        cacheWrite: rng.chance(0.4) ? requests * rng.int(10, 400) : 0,
        audio: audio ? requests * rng.int(50, 600) : 0,
        cachedAudio: audio && rng.chance(0.5) ? requests * rng.int(10, 200) : 0,
        output: requests * rng.int(50, 900),
        outputAudio: audio ? requests * rng.int(20, 300) : 0,
        requests,
      });
    }
    return out.sort((a, b) => a.at - b.at);
  });
}

const IMAGE_SIZES = ['1024x1024', '1024x1536'] as const;
const IMAGE_SOURCES = ['image.generation', 'image.edit'] as const;

/** Facts of the other usage products on `day`. */
export function productFacts(product: string, day: string): ProductFact[] {
  return once(`${product}|${day}`, () => {
    const dayMs = parseDay(day);
    if (dayMs === null) return [];
    const out: ProductFact[] = [];
    if (product === 'vector_stores' || product === 'code_interpreter_sessions') {
      for (const p of PROJECTS) {
        const rng = new Rng(`${product}|${day}|${p.id}`);
        const value =
          product === 'vector_stores'
            ? 50_000_000 + rng.int(0, 9_000_000) + Math.floor((dayMs / DAY_MS) % 97) * 100_000
            : isWeekend(dayMs)
              ? rng.int(0, 2)
              : rng.int(1, 12);
        // storage is measured once a day, at midnight
        out.push({
          at: dayMs / 1000,
          projectId: p.id,
          userId: null,
          apiKeyId: null,
          model: null,
          value,
          requests: null,
        });
      }
      return out;
    }
    const n = recordsOnDay({ recordsPerDay: 4, jitter: 0.5, weekendFactor: 0.5 }, `oa-${product}`, day);
    for (let i = 0; i < n; i++) {
      const rng = new Rng(`${product}|${day}|${i}`);
      const key = rng.pick(API_KEYS);
      const requests = rng.int(1, 30);
      const base = {
        at: instant(rng, dayMs),
        projectId: key.projectId,
        userId: key.userId,
        apiKeyId: key.id,
        requests,
      };
      switch (product) {
        case 'embeddings':
          out.push({ ...base, model: EMBEDDING_MODEL.id, value: requests * rng.int(100, 4000) });
          break;
        case 'moderations':
          out.push({ ...base, model: 'omni-moderation-2024-09-26', value: requests * rng.int(20, 500) });
          break;
        case 'images':
          out.push({
            ...base,
            model: 'gpt-image-1',
            size: rng.pick(IMAGE_SIZES),
            source: rng.pick(IMAGE_SOURCES),
            value: requests * rng.int(1, 4),
          });
          break;
        case 'audio_speeches':
          out.push({ ...base, model: 'gpt-4o-mini-tts', value: requests * rng.int(200, 3000) });
          break;
        case 'audio_transcriptions':
          out.push({ ...base, model: 'whisper-1', value: requests * rng.int(10, 600) });
          break;
      }
    }
    return out.sort((a, b) => a.at - b.at);
  });
}

/** Whether `day` is inside the data horizon that ends at `now`. */
export function hasData(day: string, now: Date): boolean {
  const ms = parseDay(day);
  if (ms === null) return false;
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return ms >= today - HORIZON_DAYS * DAY_MS && ms <= today;
}

/** Codex: a ChatGPT Enterprise seat's activity on one day (credits, not dollars). */
export interface CodexClientDay {
  client_id: string;
  threads: number;
  turns: number;
  credits: number;
  uncached_text_input_tokens: number;
  cached_text_input_tokens: number;
  text_output_tokens: number;
  text_total_tokens: number;
}
export interface CodexUserDay {
  userId: string;
  email: string;
  clients: CodexClientDay[];
  linesAdded: number;
  linesRemoved: number;
}

export const CODEX_USERS = USERS.slice(0, 7);
export const CODEX_CLIENTS = [
  'CODEX_CLI',
  'CODEX_IDE_EXTENSION',
  'CODEX_DESKTOP_APP',
  'CODEX_CLOUD',
] as const;

export function codexDay(day: string): CodexUserDay[] {
  return once(`codex|${day}`, () => {
    const dayMs = parseDay(day);
    if (dayMs === null) return [];
    const out: CodexUserDay[] = [];
    for (const u of CODEX_USERS) {
      const rng = new Rng(`codex|${day}|${u.id}`);
      if (!rng.chance(isWeekend(dayMs) ? 0.2 : 0.8)) continue;
      const clients: CodexClientDay[] = [];
      for (const client of CODEX_CLIENTS) {
        if (!rng.chance(0.45)) continue;
        const threads = rng.int(1, 6);
        const turns = threads * rng.int(2, 9);
        const uncached = turns * rng.int(2_000, 9_000);
        const cached = turns * rng.int(5_000, 30_000);
        const output = turns * rng.int(300, 2_500);
        clients.push({
          client_id: client,
          threads,
          turns,
          credits: turns * 0.25 + threads * 0.5,
          uncached_text_input_tokens: uncached,
          cached_text_input_tokens: cached,
          text_output_tokens: output,
          text_total_tokens: uncached + cached + output,
        });
      }
      if (clients.length === 0) continue;
      out.push({
        userId: u.id,
        email: u.email.toLowerCase(),
        clients,
        linesAdded: rng.int(0, 800),
        linesRemoved: rng.int(0, 300),
      });
    }
    return out;
  });
}

export { formatDay };
