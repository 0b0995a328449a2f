/** The CLI's view of a gateway: HTTP calls with the bearer token, errors as the gateway's envelope. */

/** A failure to print: the gateway's error envelope message, or why the gateway could not be reached. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface Envelope {
  statusCode?: number;
  error?: string;
  message?: string;
  code?: string;
}

/** The message of an error envelope (`{ statusCode, error, message, code }`) or of a plain failure. */
export function envelopeError(status: number, body: unknown, text: string): CliError {
  const env = (body && typeof body === 'object' ? body : {}) as Envelope;
  if (typeof env.message === 'string') {
    return new CliError(
      `${env.message}${env.code ? ` (${status} ${env.code})` : ` (${status})`}`,
      1,
      env.code,
    );
  }
  return new CliError(`the gateway answered ${status}: ${text.slice(0, 300)}`);
}

export interface Waits {
  /** Called before sleeping on a 429: seconds to wait and the attempt number. */
  onWait?: (seconds: number, attempt: number) => void;
}

/** Retries of a 429 whose Retry-After is short enough to wait for. */
const MAX_RATE_LIMIT_WAITS = 5;
const MAX_WAIT_SECONDS = 60;

export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  url(path: string, query?: URLSearchParams): string {
    const u = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    if (query) u.search = query.toString();
    return u.toString();
  }

  /** A response with a 2xx status; 429s with a short Retry-After are waited for and retried. */
  async request(
    method: string,
    path: string,
    opts: { query?: URLSearchParams; body?: unknown } & Waits = {},
  ) {
    const url = this.url(path.replace(/^\//, ''), opts.query);
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json, application/x-ndjson',
            ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new CliError(
          `cannot reach the gateway at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        );
      }
      if (res.status === 429 && attempt <= MAX_RATE_LIMIT_WAITS) {
        const seconds = Number(res.headers.get('retry-after') ?? '1');
        if (Number.isFinite(seconds) && seconds >= 0 && seconds <= MAX_WAIT_SECONDS) {
          await res.body?.cancel();
          opts.onWait?.(seconds, attempt);
          await new Promise((r) => setTimeout(r, Math.max(seconds, 0.2) * 1000));
          continue;
        }
      }
      if (!res.ok) {
        const text = await res.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        throw envelopeError(res.status, body, text);
      }
      return res;
    }
  }

  async json<T = unknown>(
    method: string,
    path: string,
    opts: { query?: URLSearchParams; body?: unknown } & Waits = {},
  ): Promise<T> {
    const res = await this.request(method, path, opts);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
