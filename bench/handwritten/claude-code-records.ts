/**
 * Deterministic generated Claude Code usage-report records (provider notes §2 shape), for the
 * hand-written-vs-compiled oracle test and the throughput check. Covers: user and API-key actors,
 * mixed-case emails, remote and local records of the same actor-day, RFC 3339 and YYYY-MM-DD
 * dates, open tool_actions maps, 0–3 models, fractional cents, and missing optional parts.
 */
import { mulberry32 } from '../../connectors/claude/emulator/prng.js';

const MODELS = ['claude-sonnet-4-20250514', 'claude-opus-4-8', 'claude-haiku-4-5', 'claude-sonnet-4-5'];
const TOOLS = ['edit_tool', 'multi_edit_tool', 'write_tool', 'notebook_edit_tool', 'future_tool'];
const TERMINALS = ['vscode', 'iTerm.app', 'tmux', 'cursor'];
const ORG = '0b7e1c2a-5d4f-4e21-9a3b-6c8d7e9f0a11';

/**
 * `count` records the way the API serves them: day after day (one paging sequence per day), each
 * day a shuffled set of distinct actors, about 30% of them with both a local and a remote record.
 */
export function generateClaudeCodeRecords(count: number, seed = 42): Record<string, unknown>[] {
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const out: Record<string, unknown>[] = [];
  const actors: Record<string, unknown>[] = [
    ...Array.from({ length: 2000 }, (_, i) => ({
      type: 'user_actor',
      email_address: `user${i}@example.org`,
    })),
    ...Array.from({ length: 200 }, (_, i) => ({ type: 'api_actor', api_key_name: `ci-key-${i}` })),
  ];
  for (let day = 0; out.length < count; day++) {
    const iso = new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
    const dateFormat = rnd() < 0.8 ? `${iso}T00:00:00Z` : iso; // older reference: YYYY-MM-DD
    const dayRecords: Record<string, unknown>[] = [];
    const active = actors.filter(() => rnd() < 0.5);
    for (const a of active) {
      const actor =
        a.type === 'user_actor' && rnd() < 0.2
          ? { type: 'user_actor', email_address: String(a.email_address).toUpperCase() }
          : a;
      const parts = rnd() < 0.3 ? [false, true] : [rnd() < 0.2];
      for (const isRemote of parts) dayRecords.push(record(actor, dateFormat, isRemote));
    }
    for (let i = dayRecords.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [dayRecords[i], dayRecords[j]] = [
        dayRecords[j] as Record<string, unknown>,
        dayRecords[i] as Record<string, unknown>,
      ];
    }
    for (const r of dayRecords) {
      if (out.length >= count) break;
      out.push(r);
    }
  }
  return out;

  function record(actor: unknown, date: string, isRemote: boolean): Record<string, unknown> {
    const toolActions: Record<string, unknown> = {};
    for (const tool of TOOLS) {
      if (rnd() < 0.5) toolActions[tool] = { accepted: int(30), rejected: int(5) };
    }
    const models = Array.from({ length: int(4) }, (_, m) => {
      const cents = rnd() < 0.1 ? int(50000) / 10 : int(50000);
      const entry: Record<string, unknown> = {
        model: MODELS[m],
        tokens: {
          input: int(100000),
          output: int(20000),
          cache_read: int(300000),
          cache_creation: int(10000),
        },
        estimated_cost: { amount: cents, currency: 'USD' },
      };
      if (rnd() < 0.05) delete (entry.tokens as Record<string, unknown>).cache_read;
      return entry;
    });
    const core: Record<string, unknown> = {
      num_sessions: int(6),
      lines_of_code: { added: int(500), removed: int(200) },
      commits_by_claude_code: int(4),
      pull_requests_by_claude_code: int(2),
    };
    if (rnd() < 0.05) delete core.lines_of_code;
    return {
      actor,
      organization_id: ORG,
      date,
      customer_type: rnd() < 0.9 ? 'api' : 'subscription',
      subscription_type: null,
      terminal_type: pick(TERMINALS),
      is_remote: isRemote,
      core_metrics: core,
      tool_actions: toolActions,
      model_breakdown: models,
    };
  }
}
