/**
 * The request pipeline every emulator route runs, in this order:
 *
 *   count → latency → auth → required headers → rate limit → queued faults → validation → handler
 *   → optional truncation
 *
 * Counting first means a test can assert how many upstream calls a client made whatever they got
 * back. Auth comes before the faults so a test that sends a bad key never consumes a queued 429 by
 * accident; the rate limit comes before the queued faults because a real vendor counts a request
 * before it fails. A vendor emulator supplies data only: route families (auth, headers, limits), an
 * error template, and handlers that return a body.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { checkAuth, type AuthRule } from './auth.js';
import { FAULT_KNOB_SPECS, type FaultControls } from './controls.js';
import { EmulatorError, kindOfStatus, randomId, type ErrorKind, type ErrorTemplate } from './errors.js';
import { parseKnobPatch, type KnobSpecs } from './knobs.js';
import { LruCache } from './lru.js';
import { QueryReader, type QueryOptions, type RawQuery } from './query.js';
import type { Admission, RateLimiter } from './rate-limit.js';

export interface RateLimitRule {
  limiter: RateLimiter;
  /** What the vendor limits on (organisation, team, key); a function sees the request's headers. */
  key: string | ((header: (name: string) => string | undefined) => string);
  /** Requests per limiter period; null = unlimited. A function, so a knob can change it live. */
  limit: () => number | null;
  message: string;
  /**
   * Headers for an admitted or denied request. Default: `retry-after` on a denial only, since
   * inventing rate-limit headers a vendor never sends would teach clients the wrong thing.
   */
  headers?: (admission: Admission) => Record<string, string>;
}

/** What the routes of one API family share: how they authenticate, required headers, the limit. */
export interface RouteFamily {
  auth?: AuthRule;
  /** Headers the vendor insists on (after auth), e.g. an API version; missing → 400 with `message`. */
  requiredHeaders?: readonly { name: string; message: string }[];
  rateLimit?: RateLimitRule;
}

export interface RouteContext<C extends FaultControls<object> = FaultControls> {
  query: QueryReader;
  /** Parsed JSON body of a POST (`{}` when empty), undefined for GET. */
  body: unknown;
  /** Path parameters (`/teams/:id`). */
  params: Readonly<Record<string, string>>;
  /** The emulator clock (pinned in tests). */
  now: Date;
  controls: C;
  requestId: string;
  header(name: string): string | undefined;
  setHeader(name: string, value: string): void;
  /** Success status, when a route answers something other than 200 (e.g. 201 on a create). */
  setStatus(status: number): void;
  /** Pre-serialized bodies shared by all routes: `render` runs once per distinct key. */
  cached(key: string, render: () => string): string;
}

/** A body as pre-serialized JSON (string) or as a value to serialize; or throw EmulatorError. */
export type RouteHandler<C extends FaultControls<object> = FaultControls, I = undefined> = (
  ctx: RouteContext<C>,
  input: I,
) => string | object;

export interface RouteSpec<C extends FaultControls<object> = FaultControls, I = undefined> {
  method?: 'GET' | 'POST';
  path: string;
  /** Key into EmulatorSpec.families. */
  family: string;
  /** Parameter validation, run after the faults; its result is the handler's `input`. */
  validate?: (ctx: RouteContext<C>) => I;
  handle: RouteHandler<C, I>;
}

/** Keeps a route's `validate` and `handle` types tied together while routes of any input share a list. */
export function route<C extends FaultControls<object>, I = undefined>(
  spec: RouteSpec<C, I>,
): RouteSpec<C, unknown> {
  return spec as unknown as RouteSpec<C, unknown>;
}

export interface FaultError {
  kind: ErrorKind;
  message: string;
}

export interface EmulatorSpec<C extends FaultControls<object>> {
  controls: C;
  /** The vendor's error JSON. */
  errorBody: ErrorTemplate;
  /** Header carrying a fresh id per request (also handed to the template); default x-request-id. */
  requestId?: { header: string; make: () => string };
  families: Readonly<Record<string, RouteFamily>>;
  routes: readonly RouteSpec<C, unknown>[];
  /** What queued faults answer, by status (429 and each 5xx the controls cycle through). */
  faultErrors?: Readonly<Record<number, FaultError>>;
  /** Every knob the control route accepts; default the kit's fault knobs (FAULT_KNOB_SPECS). */
  knobSpecs?: KnobSpecs;
  query?: QueryOptions;
  /** Emulator clock; a function lets a test move time. Default: real time. */
  now?: Date | (() => Date);
  /** Pre-serialized bodies kept (all routes); default 2048. */
  cacheSize?: number;
  logger?: boolean;
  /** Prefix of the control routes; default `/__emulator`. */
  controlPath?: string;
}

const DEFAULT_FAULT_ERRORS: Readonly<Record<number, FaultError>> = {
  429: { kind: 'rate_limit', message: 'Too many requests' },
  500: { kind: 'server', message: 'Internal server error' },
  503: { kind: 'overloaded', message: 'Service unavailable' },
};

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** A Fastify app serving `spec`'s routes through the pipeline, plus the control routes. */
export function buildEmulator<C extends FaultControls<object>>(spec: EmulatorSpec<C>): FastifyInstance {
  const { controls, errorBody } = spec;
  const now = spec.now;
  const clock: () => Date = typeof now === 'function' ? now : () => now ?? new Date();
  const ids = spec.requestId ?? { header: 'x-request-id', make: () => randomId('req_', 24) };
  const faultErrors = { ...DEFAULT_FAULT_ERRORS, ...spec.faultErrors };
  const knobSpecs = spec.knobSpecs ?? FAULT_KNOB_SPECS;
  const pages = new LruCache<string, string>(spec.cacheSize ?? 2048);
  const control = spec.controlPath ?? '/__emulator';

  const sendError = (
    reply: FastifyReply,
    status: number,
    kind: ErrorKind,
    message: string,
    requestId = ids.make(),
  ): FastifyReply => {
    // The header always equals any id the body quotes.
    reply.header(ids.header, requestId);
    const body = JSON.stringify(errorBody({ status, kind, message, requestId }));
    return reply.code(status).type('application/json').send(body);
  };

  const app = Fastify({ logger: spec.logger ?? false });

  // An empty JSON body reads as `{}`, so `POST <control>/reset` works from any client.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  // Framework errors (bad JSON, oversize bodies) still answer in the vendor's shape.
  app.setErrorHandler((error: FastifyError, _req, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? 400 : 500;
    return sendError(reply, status, status === 400 ? 'invalid_request' : 'server', error.message);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'not_found', 'Not found'));

  for (const r of spec.routes) {
    const family = spec.families[r.family];
    if (family === undefined) throw new Error(`route ${r.path}: unknown family ${r.family}`);

    app.route({
      method: r.method ?? 'GET',
      url: r.path,
      handler: async (req, reply) => {
        controls.requests++;
        const requestId = ids.make();
        reply.header(ids.header, requestId);
        const fail = (status: number, kind: ErrorKind, message: string): FastifyReply =>
          sendError(reply, status, kind, message, requestId);
        const header = (name: string): string | undefined => headerOf(req, name);
        if (controls.delayMs > 0) await sleep(controls.delayMs);

        if (family.auth) {
          const denied = checkAuth(family.auth, header);
          if (denied) return fail(denied.status, denied.kind, denied.message);
        }
        for (const required of family.requiredHeaders ?? []) {
          if (!header(required.name)) return fail(400, 'invalid_request', required.message);
        }
        const limit = family.rateLimit;
        const perPeriod = limit?.limit() ?? null;
        if (limit && perPeriod !== null) {
          const key = typeof limit.key === 'string' ? limit.key : limit.key(header);
          // Real time, not the emulated clock: a client's backoff runs in real time.
          const admission = limit.limiter.admit(key, Date.now(), perPeriod);
          const extra = limit.headers
            ? limit.headers(admission)
            : admission.ok
              ? {}
              : { 'retry-after': String(admission.retryAfterSeconds) };
          for (const [name, value] of Object.entries(extra)) reply.header(name, value);
          if (!admission.ok) return fail(429, 'rate_limit', limit.message);
        }

        // A client that hung up (a timed-out call still sleeping in the latency knob) would never
        // see a fault: it takes none, leaving each for the request a test queued it for.
        const gone = () => req.raw.destroyed || req.raw.socket?.destroyed === true;
        const fault = gone() ? null : controls.takeFault();
        if (fault) {
          if (fault.kind === 'rate_limit' && fault.retryAfterSeconds !== null) {
            reply.header('retry-after', String(fault.retryAfterSeconds));
          }
          const answer = faultErrors[fault.status] ?? { kind: kindOfStatus(fault.status), message: 'Error' };
          return fail(fault.status, answer.kind, answer.message);
        }

        let status = 200;
        const ctx: RouteContext<C> = {
          query: new QueryReader(req.query as RawQuery, spec.query),
          body: req.method === 'POST' ? req.body : undefined,
          params: (req.params ?? {}) as Record<string, string>,
          now: clock(),
          controls,
          requestId,
          header,
          setHeader: (name, value) => void reply.header(name, value),
          setStatus: (code) => void (status = code),
          cached: (key, render) => pages.getOrSet(key, render),
        };
        let body: string;
        try {
          const input = r.validate ? r.validate(ctx) : undefined;
          const out = r.handle(ctx, input);
          body = typeof out === 'string' ? out : JSON.stringify(out);
        } catch (error) {
          if (error instanceof EmulatorError) return fail(error.status, error.kind, error.message);
          throw error;
        }
        if (!gone() && controls.takeMalformed()) body = body.slice(0, Math.floor(body.length / 2));
        return reply.code(status).type('application/json').send(body);
      },
    });
  }

  app.get(`${control}/controls`, async () => controls.snapshot());
  app.post(`${control}/controls`, async (req, reply) => {
    const parsed = parseKnobPatch<C>(knobSpecs, req.body ?? {});
    if (!parsed.ok) return sendError(reply, 400, 'invalid_request', parsed.message);
    controls.set(parsed.patch);
    return controls.snapshot();
  });
  app.post(`${control}/reset`, async () => {
    controls.reset();
    return controls.snapshot();
  });
  app.get(`${control}/stats`, async () => ({ requests: controls.requests }));

  return app;
}

export interface Listening {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:54321`. */
  url: string;
  close(): Promise<void>;
}

/** Listens on `host`:`port` (default an ephemeral loopback port) and returns the reachable URL. */
export async function listen(app: FastifyInstance, host = '127.0.0.1', port = 0): Promise<Listening> {
  await app.listen({ host, port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new Error('emulator is not listening on a TCP port');
  }
  // A wildcard bind is reachable on loopback; IPv6 literals need brackets in a URL.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${address.port}`, close: () => app.close() };
}
