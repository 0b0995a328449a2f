/**
 * The organisation Usage and Costs endpoints: Unix-second bounds (end exclusive), buckets of
 * 1m/1h/1d with `limit` counting buckets, `group_by` dimensions filled only when grouped (else
 * null), filters, `has_more`/`next_page` paging over buckets, empty buckets kept.
 */
import {
  DAY_MS,
  EmulatorError,
  badRequest,
  formatDay,
  pageBounds,
  tokenCodec,
  isOffset,
  type QueryReader,
  type RouteContext,
} from '../../../src/emulator-kit/index.js';
import {
  COMPLETION_MODELS,
  EMBEDDING_MODEL,
  TOKEN_CHANGE_S,
  completionFacts,
  hasData,
  productFacts,
  type CompletionFact,
  type ProductFact,
} from './org.js';

export const USAGE_PRODUCTS = [
  'completions',
  'embeddings',
  'moderations',
  'images',
  'audio_speeches',
  'audio_transcriptions',
  'vector_stores',
  'code_interpreter_sessions',
] as const;
export type UsageProduct = (typeof USAGE_PRODUCTS)[number];

export const BUCKET_LIMITS = {
  '1d': { seconds: 86_400, default: 7, max: 31 },
  '1h': { seconds: 3_600, default: 24, max: 168 },
  '1m': { seconds: 60, default: 60, max: 1440 },
} as const;
export type BucketWidth = keyof typeof BUCKET_LIMITS;

const GROUP_BY: Record<UsageProduct, readonly string[]> = {
  completions: ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'],
  embeddings: ['project_id', 'user_id', 'api_key_id', 'model'],
  moderations: ['project_id', 'user_id', 'api_key_id', 'model'],
  images: ['project_id', 'user_id', 'api_key_id', 'model', 'size', 'source'],
  audio_speeches: ['project_id', 'user_id', 'api_key_id', 'model'],
  audio_transcriptions: ['project_id', 'user_id', 'api_key_id', 'model'],
  vector_stores: ['project_id'],
  code_interpreter_sessions: ['project_id'],
};
const PROJECT_ONLY = new Set<UsageProduct>(['vector_stores', 'code_interpreter_sessions']);
export const COST_GROUP_BY = ['project_id', 'line_item', 'api_key_id'] as const;

export interface Filters {
  projectIds: string[];
  userIds: string[];
  apiKeyIds: string[];
  models: string[];
  batch: boolean | null;
}

export interface BucketQuery {
  start: number;
  end: number;
  width: number;
  limit: number;
  offset: number;
  token: string | undefined;
  groupBy: string[];
  filters: Filters;
}

interface PageState {
  offset: number;
  fingerprint: string;
}
const pages = tokenCodec<PageState>({
  prefix: 'page_',
  toWire: (s) => ({ o: s.offset, f: s.fingerprint }),
  fromWire: (w) => (isOffset(w.o) && typeof w.f === 'string' ? { offset: w.o, fingerprint: w.f } : null),
});

/** An integer Unix-seconds parameter, worded as OpenAI words it. */
function unixSeconds(q: QueryReader, name: string, required: boolean): number | undefined {
  const text = q.one(name);
  if (text === undefined) {
    if (required) throw badRequest(`Missing required parameter: '${name}'.`);
    return undefined;
  }
  if (!/^\d{1,11}$/.test(text)) {
    throw badRequest(
      `Invalid type for '${name}': expected an integer Unix timestamp in seconds, but got '${text}'.`,
    );
  }
  return Number(text);
}

function refuse(q: QueryReader, names: readonly string[], where: string): void {
  for (const name of names) {
    if (q.raw[name] !== undefined || q.raw[`${name}[]`] !== undefined) {
      throw badRequest(`Unrecognized request argument supplied: ${name} (not supported by ${where}).`);
    }
  }
}

/** Reads and checks the parameters shared by the usage and costs endpoints. */
function readBuckets(
  ctx: RouteContext,
  opts: {
    widths: readonly BucketWidth[];
    limit: (w: BucketWidth) => { default: number; max: number };
    groupBy: readonly string[];
    scope: string;
  },
): BucketQuery & { widthName: BucketWidth } {
  const q = ctx.query;
  const start = unixSeconds(q, 'start_time', true)!;
  const endGiven = unixSeconds(q, 'end_time', false);
  if (endGiven !== undefined && endGiven <= start) {
    throw badRequest(`Invalid 'end_time': ${endGiven} must be after start_time ${start}.`);
  }
  const widthName = q.choice('bucket_width', opts.widths, '1d');
  const width = BUCKET_LIMITS[widthName].seconds;
  const bounds = opts.limit(widthName);
  const limit = q.int('limit', { min: 1, max: bounds.max, fallback: bounds.default });
  const groupBy = q.enumList('group_by', opts.groupBy);
  const token = q.one('page');
  const fingerprint = q.fingerprint(['page'], opts.scope);
  let offset = 0;
  if (token !== undefined) {
    const state = pages.decode(token);
    if (state === null || state.fingerprint !== fingerprint) {
      throw badRequest(`Invalid 'page': the cursor is unknown or belongs to a different query.`);
    }
    offset = state.offset;
  }
  const nowS = Math.floor(ctx.now.getTime() / 1000);
  const end = endGiven ?? Math.max(start + width, Math.ceil(nowS / width) * width);
  const batchText = q.one('batch');
  if (batchText !== undefined && batchText !== 'true' && batchText !== 'false') {
    throw badRequest(`Invalid value for 'batch': expected a boolean, got '${batchText}'.`);
  }
  return {
    start,
    end,
    width,
    widthName,
    limit,
    offset,
    token,
    groupBy,
    filters: {
      projectIds: q.many('project_ids'),
      userIds: q.many('user_ids'),
      apiKeyIds: q.many('api_key_ids'),
      models: q.many('models'),
      batch: batchText === undefined ? null : batchText === 'true',
    },
  };
}

/** Bucket bounds: the first starts at `start` and ends at the next aligned boundary. */
function bucketList(start: number, end: number, width: number): [number, number][] {
  const out: [number, number][] = [];
  let s = start;
  while (s < end) {
    const e = Math.min(end, (Math.floor(s / width) + 1) * width);
    out.push([s, e]);
    s = e;
  }
  return out;
}

function daysOf(s: number, e: number): string[] {
  const out: string[] = [];
  for (let d = Math.floor(s / 86_400) * 86_400; d < e; d += 86_400) out.push(formatDay(d * 1000));
  return out;
}

function page(ctx: RouteContext, q: BucketQuery, render: (s: number, e: number) => object[]): string {
  const all = bucketList(q.start, q.end, q.width);
  const fingerprint = ctx.query.fingerprint(['page'], ctx.params.kind ?? 'costs');
  const p = pageBounds(all.length, q.offset, q.limit, (o) => pages.encode({ offset: o, fingerprint }), {
    on: ctx.controls.loopPaging,
    incoming: q.token,
  });
  const data = all
    .slice(p.from, p.to)
    .map(([s, e]) => ({ object: 'bucket', start_time: s, end_time: e, results: render(s, e) }));
  return JSON.stringify({ object: 'page', data, has_more: p.hasMore, next_page: p.nextPage });
}

type Dims = Record<string, string | boolean | null>;

function matches(
  f: Filters,
  d: {
    projectId: string;
    userId: string | null;
    apiKeyId: string | null;
    model: string | null;
    batch?: boolean;
  },
): boolean {
  if (f.projectIds.length > 0 && !f.projectIds.includes(d.projectId)) return false;
  if (f.userIds.length > 0 && (d.userId === null || !f.userIds.includes(d.userId))) return false;
  if (f.apiKeyIds.length > 0 && (d.apiKeyId === null || !f.apiKeyIds.includes(d.apiKeyId))) return false;
  if (f.models.length > 0 && (d.model === null || !f.models.includes(d.model))) return false;
  if (f.batch !== null && d.batch !== f.batch) return false;
  return true;
}

/** Groups items by the requested dimensions (null where not grouped), in first-seen order. */
function groupItems<T>(
  items: T[],
  groupBy: string[],
  dimsOf: (t: T) => Dims,
  allDims: readonly string[],
): { dims: Dims; items: T[] }[] {
  const groups = new Map<string, { dims: Dims; items: T[] }>();
  for (const item of items) {
    const full = dimsOf(item);
    const dims: Dims = {};
    for (const d of allDims) dims[d] = groupBy.includes(d) ? (full[d] ?? null) : null;
    const key = JSON.stringify(dims);
    const g = groups.get(key) ?? { dims, items: [] };
    g.items.push(item);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => (JSON.stringify(a.dims) < JSON.stringify(b.dims) ? -1 : 1));
}

function factsIn<T extends { at: number }>(s: number, e: number, now: Date, read: (day: string) => T[]): T[] {
  return daysOf(s, e)
    .filter((day) => hasData(day, now))
    .flatMap(read)
    .filter((f) => f.at >= s && f.at < e && f.at * 1000 < now.getTime());
}

const sum = <T>(items: T[], f: (t: T) => number) => items.reduce((a, t) => a + f(t), 0);

/**
 * A completions result in the API's shape for the bucket's side of the 2026-07-15 change: before
 * it `input_tokens` is text input incl. cached text (cache writes count as uncached input) and
 * `input_audio_tokens` all audio input; from it on `input_tokens` is all input of every modality
 * incl. cached and cache-write tokens, with the new split fields.
 */
export function completionsResult(facts: CompletionFact[], dims: Dims, bucketStart: number): object {
  const t = (f: (x: CompletionFact) => number) => sum(facts, f);
  const text = t((f) => f.text);
  const cachedText = t((f) => f.cachedText);
  const write = t((f) => f.cacheWrite);
  const audio = t((f) => f.audio);
  const cachedAudio = t((f) => f.cachedAudio);
  const output = t((f) => f.output);
  const outputAudio = t((f) => f.outputAudio);
  const base = { object: 'organization.usage.completions.result' };
  const tail = { num_model_requests: t((f) => f.requests), ...dims };
  if (bucketStart < TOKEN_CHANGE_S) {
    return {
      ...base,
      input_tokens: text + write + cachedText,
      input_cached_tokens: cachedText,
      output_tokens: output + outputAudio,
      input_audio_tokens: audio + cachedAudio,
      output_audio_tokens: outputAudio,
      ...tail,
    };
  }
  return {
    ...base,
    input_tokens: text + cachedText + write + audio + cachedAudio,
    input_cached_tokens: cachedText + cachedAudio,
    input_cache_write_tokens: write,
    input_uncached_tokens: text + audio,
    output_tokens: output + outputAudio,
    input_text_tokens: text + cachedText + write,
    output_text_tokens: output,
    input_cached_text_tokens: cachedText,
    input_audio_tokens: audio,
    input_cached_audio_tokens: cachedAudio,
    output_audio_tokens: outputAudio,
    input_image_tokens: 0,
    input_cached_image_tokens: 0,
    output_image_tokens: 0,
    ...tail,
  };
}

function productResult(product: UsageProduct, facts: ProductFact[], dims: Dims): object {
  const object = `organization.usage.${product}.result`;
  const value = sum(facts, (f) => f.value);
  const requests = sum(facts, (f) => f.requests ?? 0);
  switch (product) {
    case 'embeddings':
    case 'moderations':
      return { object, input_tokens: value, num_model_requests: requests, ...dims };
    case 'images':
      return { object, images: value, num_model_requests: requests, ...dims };
    case 'audio_speeches':
      return { object, characters: value, num_model_requests: requests, ...dims };
    case 'audio_transcriptions':
      return { object, seconds: value, num_model_requests: requests, ...dims };
    case 'vector_stores':
      return { object, usage_bytes: value, ...dims };
    default:
      return { object, num_sessions: value, ...dims };
  }
}

export function usageInput(ctx: RouteContext): BucketQuery & { product: UsageProduct } {
  const kind = ctx.params.kind ?? '';
  if (!(USAGE_PRODUCTS as readonly string[]).includes(kind)) {
    throw new EmulatorError(404, 'not_found', `Invalid URL (GET /v1/organization/usage/${kind})`);
  }
  const product = kind as UsageProduct;
  if (PROJECT_ONLY.has(product))
    refuse(ctx.query, ['user_ids', 'api_key_ids', 'models'], `/usage/${product}`);
  if (product !== 'completions') refuse(ctx.query, ['batch'], `/usage/${product}`);
  const q = readBuckets(ctx, {
    widths: ['1m', '1h', '1d'],
    limit: (w) => BUCKET_LIMITS[w],
    groupBy: GROUP_BY[product],
    scope: product,
  });
  return { ...q, product };
}

export function usageBody(ctx: RouteContext, q: BucketQuery & { product: UsageProduct }): string {
  const key = `usage|${q.product}|${ctx.query.fingerprint([], q.product)}|${ctx.now.getTime()}|${ctx.controls.loopPaging}`;
  return ctx.cached(key, () =>
    page(ctx, q, (s, e) => {
      if (q.product === 'completions') {
        const facts = factsIn(s, e, ctx.now, completionFacts).filter((f) => matches(q.filters, f));
        return groupItems(
          facts,
          q.groupBy,
          (f) => ({
            project_id: f.projectId,
            user_id: f.userId,
            api_key_id: f.apiKeyId,
            model: f.model,
            batch: f.batch,
            service_tier: f.serviceTier,
          }),
          GROUP_BY.completions,
        ).map((g) => completionsResult(g.items, g.dims, s));
      }
      const facts = factsIn(s, e, ctx.now, (day) => productFacts(q.product, day)).filter((f) =>
        matches(q.filters, f),
      );
      return groupItems(
        facts,
        q.groupBy,
        (f) => ({
          project_id: f.projectId,
          user_id: f.userId,
          api_key_id: f.apiKeyId,
          model: f.model,
          size: f.size ?? null,
          source: f.source ?? null,
        }),
        GROUP_BY[q.product],
      ).map((g) => productResult(q.product, g.items, g.dims));
    }),
  );
}

/** One priced line of a fact, in micro-dollars. */
export interface CostLine {
  at: number;
  projectId: string;
  apiKeyId: string | null;
  lineItem: string;
  tokens: number;
  micros: number;
}

const micros = (tokens: number, nanoPerToken: number) => Math.round((tokens * nanoPerToken) / 1000);

/** The cost lines of one day: input, cached input and output per completions fact, and embeddings. */
export function costLines(day: string): CostLine[] {
  const out: CostLine[] = [];
  for (const f of completionFacts(day)) {
    const price = COMPLETION_MODELS[f.model]!;
    const base = { at: f.at, projectId: f.projectId, apiKeyId: f.apiKeyId };
    const input = f.text + f.cacheWrite + f.audio;
    const cached = f.cachedText + f.cachedAudio;
    const output = f.output + f.outputAudio;
    out.push({ ...base, lineItem: `${f.model}, input`, tokens: input, micros: micros(input, price.input) });
    if (cached > 0) {
      out.push({
        ...base,
        lineItem: `${f.model}, cached input`,
        tokens: cached,
        micros: micros(cached, price.cached),
      });
    }
    out.push({
      ...base,
      lineItem: `${f.model}, output`,
      tokens: output,
      micros: micros(output, price.output),
    });
  }
  for (const f of productFacts('embeddings', day)) {
    out.push({
      at: f.at,
      projectId: f.projectId,
      apiKeyId: f.apiKeyId,
      lineItem: `${EMBEDDING_MODEL.id}, input`,
      tokens: f.value,
      micros: micros(f.value, EMBEDDING_MODEL.input),
    });
  }
  return out;
}

/** Micro-dollars as a decimal string of dollars, trailing zeros dropped ("12.5", "0.000123"). */
export function dollars(micro: number): string {
  const neg = micro < 0;
  const abs = Math.abs(micro);
  const whole = Math.floor(abs / 1_000_000);
  const frac = String(abs % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

export function costsInput(ctx: RouteContext): BucketQuery {
  refuse(ctx.query, ['user_ids', 'models', 'batch'], '/organization/costs');
  const width = ctx.query.one('bucket_width');
  if (width !== undefined && width !== '1d') {
    throw badRequest(`Invalid value for 'bucket_width': '${width}'. The costs endpoint only supports '1d'.`);
  }
  return readBuckets(ctx, {
    widths: ['1d'],
    limit: () => ({ default: 7, max: 180 }),
    groupBy: COST_GROUP_BY,
    scope: 'costs',
  });
}

/**
 * Costs buckets. The amount is a number, except on odd days of the month where it comes as a
 * numeric string, as the live API has been seen to send it: clients must accept both.
 */
export function costsBody(ctx: RouteContext, q: BucketQuery): string {
  const key = `costs|${ctx.query.fingerprint([], 'costs')}|${ctx.now.getTime()}|${ctx.controls.loopPaging}`;
  return ctx.cached(key, () =>
    page(ctx, q, (s, e) => {
      const lines = factsIn(s, e, ctx.now, costLines).filter((l) =>
        matches(q.filters, { projectId: l.projectId, userId: null, apiKeyId: l.apiKeyId, model: null }),
      );
      const asString = new Date(s * 1000).getUTCDate() % 2 === 1;
      return groupItems(
        lines,
        q.groupBy,
        (l) => ({ project_id: l.projectId, line_item: l.lineItem, api_key_id: l.apiKeyId }),
        COST_GROUP_BY,
      ).map((g) => {
        const text = dollars(sum(g.items, (l) => l.micros));
        const byLine = q.groupBy.includes('line_item');
        return {
          object: 'organization.costs.result',
          amount: { value: asString ? text : Number(text), currency: 'usd' },
          line_item: g.dims.line_item,
          project_id: g.dims.project_id,
          api_key_id: g.dims.api_key_id,
          quantity: byLine ? sum(g.items, (l) => l.tokens) : null,
          quantity_unit: byLine ? 'tokens' : null,
        };
      });
    }),
  );
}

export { DAY_MS };
