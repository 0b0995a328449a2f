import { Agent, request, type Dispatcher } from 'undici';

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
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Sends one HTTP request to a vendor over undici: one keep-alive pool per origin (the Agent
 * keeps them), connect/headers/body timeouts, and an injectable dispatcher so unit tests can use
 * undici's MockAgent.
 */
export class UpstreamHttp {
  private readonly dispatcher: Dispatcher;
  private readonly owned: boolean;

  constructor(dispatcher?: Dispatcher) {
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

  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    // A timer cleared when the call ends, instead of AbortSignal.timeout, whose timer and signal
    // outlive every call by the whole timeout.
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new DOMException('timeout', 'TimeoutError')), req.timeoutMs);
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: this.dispatcher,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: ac.signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          res.body.destroy();
          throw new UpstreamTransportError(`vendor body larger than ${MAX_BODY_BYTES} bytes`, 'network');
        }
        chunks.push(chunk as Buffer);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      return {
        status: res.statusCode,
        headers,
        text: Buffer.concat(chunks).toString('utf8'),
        durationMs: performance.now() - started,
      };
    } catch (err) {
      if (err instanceof UpstreamTransportError) throw err;
      const e = err as { name?: string; code?: string; message?: string };
      const timedOut =
        e.name === 'TimeoutError' ||
        e.name === 'AbortError' ||
        e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
        e.code === 'UND_ERR_BODY_TIMEOUT' ||
        e.code === 'UND_ERR_CONNECT_TIMEOUT';
      throw new UpstreamTransportError(
        timedOut
          ? `no answer within ${req.timeoutMs} ms`
          : `connection failed (${e.code ?? e.message ?? 'unknown'})`,
        timedOut ? 'timeout' : 'network',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.dispatcher.close();
  }
}
