import { Agent, type Dispatcher } from 'undici';

export interface UpstreamRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  durationMs: number;
}

/** A vendor could not be reached or did not answer in time; retryable. */
export class UpstreamTransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network',
  ) {
    super(message);
    this.name = 'UpstreamTransportError';
  }
}

/** Upper bound of a vendor body we read; a larger one is refused rather than buffered. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Sends one HTTP request to a vendor over undici: one keep-alive pool per origin (the Agent
 * keeps them), one deadline for the whole call, and an injectable dispatcher so unit tests can
 * use undici's MockAgent.
 */
export class UpstreamHttp {
  private readonly dispatcher: Dispatcher;
  private readonly owned: boolean;
  private readonly maxBodyBytes: number;

  constructor(dispatcher?: Dispatcher, opts: { maxBodyBytes?: number } = {}) {
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.owned = dispatcher === undefined;
    this.dispatcher =
      dispatcher ??
      new Agent({
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 120_000,
        connections: 64,
        connect: { timeout: 10_000 },
      });
  }

  /**
   * Through undici's `dispatch` with a handler that gathers the body's chunks: `request()` wraps
   * the same call in a readable stream, and reading that with `for await` costs a promise per
   * chunk; the vendor hop measured a third cheaper this way.
   */
  send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    const maxBodyBytes = this.maxBodyBytes;
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let status = 0;
      let headers: Record<string, string> = {};
      let controller: Dispatcher.DispatchController | undefined;
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(transportError(err, req.timeoutMs));
      };
      // One deadline for the whole call (queue, connect, headers and body), cleared when it ends.
      const timer = setTimeout(() => {
        const err = new UpstreamTransportError(`no answer within ${req.timeoutMs} ms`, 'timeout');
        controller?.abort(err);
        fail(err);
      }, req.timeoutMs);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          // A call whose deadline passed while it waited for a connection is dropped here, as it
          // reaches the socket. Throwing makes undici fail the request before writing it and
          // keep the socket; aborting through the controller would close a healthy keep-alive
          // connection on the way.
          if (settled) throw new UpstreamTransportError('call ended before it started', 'timeout');
          controller = c;
        },
        onResponseStart(_c, statusCode, responseHeaders) {
          status = statusCode;
          headers = flattenHeaders(responseHeaders);
        },
        onResponseData(c, chunk) {
          size += chunk.length;
          if (size > maxBodyBytes) {
            const err = new UpstreamTransportError(
              `vendor body larger than ${maxBodyBytes} bytes`,
              'network',
            );
            c.abort(err);
            fail(err);
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd() {
          if (settled) return;
          let text: string;
          try {
            const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
            text = body.toString('utf8');
          } catch (err) {
            // A body past the longest string V8 makes (possible only with a raised body limit).
            fail(err);
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve({ status, headers, text, durationMs: performance.now() - started });
        },
        onResponseError(_c, err) {
          fail(err);
        },
      };
      try {
        this.dispatcher.dispatch(
          {
            origin: req.url.origin,
            path: `${req.url.pathname}${req.url.search}`,
            method: req.method,
            headers: req.headers,
            body: req.body ?? null,
            headersTimeout: req.timeoutMs,
            bodyTimeout: req.timeoutMs,
          },
          handler,
        );
      } catch (err) {
        // undici's own dispatchers report through onResponseError; another one may throw.
        fail(err);
      }
    });
  }

  async close(): Promise<void> {
    if (this.owned) await this.dispatcher.close();
  }
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Any failure of a call as the retryable transport error the caller understands. */
function transportError(err: unknown, timeoutMs: number): UpstreamTransportError {
  if (err instanceof UpstreamTransportError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  const timedOut =
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT';
  return new UpstreamTransportError(
    timedOut ? `no answer within ${timeoutMs} ms` : `connection failed (${e.code ?? e.message ?? 'unknown'})`,
    timedOut ? 'timeout' : 'network',
  );
}
