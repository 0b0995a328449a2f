/**
 * List prices behind every money figure (Console cost report, Analytics cost reports), derived from
 * CLAUDE_MODELS so cost always agrees with token usage. Every rate below is an integral number of
 * cents per million tokens, so `tokens × rate` is an exact number of micro-cents: nothing rounds.
 */
import { rate, scaleRate, type Rate } from '../../../src/emulator-kit/decimal.js';
import { CLAUDE_MODELS, type ModelId } from './org.js';

export const TOKEN_TYPES = [
  'uncached_input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation.ephemeral_5m_input_tokens',
  'cache_creation.ephemeral_1h_input_tokens',
] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export interface TokenCounts {
  uncached: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export function tokensOfType(c: TokenCounts, type: TokenType): number {
  switch (type) {
    case 'uncached_input_tokens':
      return c.uncached;
    case 'output_tokens':
      return c.output;
    case 'cache_read_input_tokens':
      return c.cacheRead;
    case 'cache_creation.ephemeral_5m_input_tokens':
      return c.cacheWrite5m;
    case 'cache_creation.ephemeral_1h_input_tokens':
      return c.cacheWrite1h;
  }
}

export const MODEL_DISPLAY_NAMES: Readonly<Record<ModelId, string>> = {
  'claude-opus-4-8': 'Claude Opus 4.8',
  'claude-sonnet-4-5-20250929': 'Claude Sonnet 4.5',
  'claude-haiku-4-5-20251001': 'Claude Haiku 4.5',
  'claude-sonnet-4-20250514': 'Claude Sonnet 4',
};

/** Only the Sonnet models offer the 1M-token context window (priced as `200k-1M`). */
export function supportsLongContext(model: string): boolean {
  return model.startsWith('claude-sonnet-');
}

export interface PriceOptions {
  /** Message Batches: half price. The generators never put cache writes on batch traffic (5/8 of a cent would not stay integral). */
  batch?: boolean;
  /** Requests over 200k input tokens: input-side rates doubled, output 1.5x. */
  longContext?: boolean;
}

/** List price of one token type, in cents per million tokens. */
export function listRate(model: string, type: TokenType, opts: PriceOptions = {}): Rate {
  const price = CLAUDE_MODELS.find((m) => m.id === model);
  if (!price) throw new RangeError(`unknown model ${model}`);
  let r: Rate;
  if (type === 'output_tokens') {
    r = rate(price.outputCentsPerMTok);
    if (opts.longContext) r = scaleRate(r, 3, 2);
  } else {
    r = rate(price.inputCentsPerMTok);
    // Cache reads bill at 0.1x input, 5-minute cache writes at 1.25x, 1-hour cache writes at 2x.
    if (type === 'cache_read_input_tokens') r = scaleRate(r, 1, 10);
    if (type === 'cache_creation.ephemeral_5m_input_tokens') r = scaleRate(r, 5, 4);
    if (type === 'cache_creation.ephemeral_1h_input_tokens') r = scaleRate(r, 2);
    if (opts.longContext) r = scaleRate(r, 2);
  }
  return opts.batch ? scaleRate(r, 1, 2) : r;
}

/** Web search: $10 per 1,000 searches = 1 cent each, i.e. 1,000,000 cents per million. */
export const WEB_SEARCH_RATE: Rate = rate(1_000_000);
/** Code execution: $0.05 per container-hour, billed in quarter hours = 1.25 cents each. */
export const CODE_EXECUTION_QUARTER_HOUR_RATE: Rate = rate(1_250_000);
/** Northwind's Enterprise contract: 20% off list. 4/5 of every rate above is still integral. */
export const ENTERPRISE_DISCOUNT = { num: 4, den: 5 } as const;

const TOKEN_TYPE_LABELS: Readonly<Record<TokenType, string>> = {
  uncached_input_tokens: 'Input Tokens',
  output_tokens: 'Output Tokens',
  cache_read_input_tokens: 'Input Tokens, Cache Read',
  'cache_creation.ephemeral_5m_input_tokens': 'Input Tokens, Cache Write (5m)',
  'cache_creation.ephemeral_1h_input_tokens': 'Input Tokens, Cache Write (1h)',
};

/** Console cost report `description`, e.g. "Claude Opus 4.8 Batch Usage - Output Tokens (US)". */
export function describeTokenCost(
  model: ModelId,
  type: TokenType,
  opts: { batch: boolean; longContext: boolean; geo: string },
): string {
  const kind = opts.batch ? ' Batch' : opts.longContext ? ' Long Context' : '';
  const geo = opts.geo === 'us' ? ' (US)' : '';
  return `${MODEL_DISPLAY_NAMES[model]}${kind} Usage - ${TOKEN_TYPE_LABELS[type]}${geo}`;
}
