import pino from 'pino';
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';

type Bindings = Record<string, unknown>;
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type Forward = (...args: unknown[]) => void;

const INFO = 30;

/**
 * A request's logger, made only when something logs through it. Fastify gives every request a
 * child of the root logger bound to its id; pino builds one as a new object with its bindings
 * serialized (3 µs a request here), and most requests never log beyond the access line, which
 * `AccessLog` writes itself.
 */
export class LazyChildLogger implements FastifyBaseLogger {
  #made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  private get made(): FastifyBaseLogger {
    this.#made ??= this.parent.child(this.bindings, this.options);
    return this.#made;
  }

  get level(): string {
    return this.#made?.level ?? this.options?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.made.level = level;
  }

  // Methods on the prototype, not arrow fields: a request's logger must cost one small object.
  // Each forwards its arguments as they came, as pino reads them positionally.
  fatal(...args: unknown[]): void {
    (this.made.fatal as Forward)(...args);
  }
  error(...args: unknown[]): void {
    (this.made.error as Forward)(...args);
  }
  warn(...args: unknown[]): void {
    (this.made.warn as Forward)(...args);
  }
  info(...args: unknown[]): void {
    (this.made.info as Forward)(...args);
  }
  debug(...args: unknown[]): void {
    (this.made.debug as Forward)(...args);
  }
  trace(...args: unknown[]): void {
    (this.made.trace as Forward)(...args);
  }
  silent(...args: unknown[]): void {
    (this.made.silent as Forward)(...args);
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.made.child(bindings, options);
  }
}

/** Where `AccessLog` may write its line itself: the root pino logger and the stream it writes to. */
export interface AccessLineTarget {
  logger: pino.Logger;
  stream: { write(line: string): unknown };
}

/**
 * One flat log line per request, instead of Fastify's two that pass the whole request and reply
 * objects through the serializers and the redaction.
 *
 * Once given a target (`writeTo`), the line of a request that succeeded is written straight to the logger's
 * stream, byte for byte what pino writes for `child({ reqId }).info({ method, url, statusCode,
 * responseTime }, 'request completed')` (`test/api/logs.test.ts` compares them): through pino it
 * cost 10 µs a request, a fifth of a cheap request's CPU. No key of it is a redaction path. Error
 * lines, and every line without a target, go through pino. The target's stream must take lines
 * as they come (a pino.multistream, which routes each line by the level pino last wrote, must
 * not be used here).
 */
export class AccessLog extends LogController {
  #target: AccessLineTarget | undefined;
  /** `,"pid":…,"hostname":"…"` and any other base bindings, as pino has serialized them. */
  #bindings = '';

  /** From now on, lines of requests that succeeded go straight to `target.stream`. */
  writeTo(target: AccessLineTarget): void {
    this.#target = target;
    this.#bindings = String(
      (target.logger as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym] ?? '',
    );
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      // Milliseconds to the microsecond: a shorter number to read, and to format (a full double
      // took a fifth of the line's cost).
      responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
    };
    if (error) {
      reply.log.error({ ...line, err: error }, 'request errored');
      return;
    }
    const target = this.#target;
    if (!target) {
      reply.log.info(line, 'request completed');
      return;
    }
    // The request's own level: the root's, or a route's `logLevel`.
    const level = target.logger.levels.values[reply.log.level];
    if (level === undefined || level > INFO) return;
    target.stream.write(
      `{"level":${INFO},"time":${Date.now()}${this.#bindings},"${this.requestIdLogLabel}":${jsonString(request.id)},"method":${jsonString(line.method)},"url":${jsonString(line.url)},"statusCode":${line.statusCode},"responseTime":${Number.isFinite(line.responseTime) ? line.responseTime : null},"msg":"request completed"}\n`,
    );
  }
}

/** What JSON needs escaped: quotes, backslashes, control characters and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON; most need no escaping, and a test is cheaper than JSON.stringify. */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}
