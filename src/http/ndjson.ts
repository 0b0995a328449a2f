import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';

/**
 * Writes a stream of NDJSON chunks with backpressure: each write that fills the socket's buffer
 * waits until it drains. A client that goes away ends the stream (the producer is stopped, so
 * it fetches and serializes nothing more) with an info line.
 */
export async function sendNdjson(
  reply: FastifyReply,
  chunks: AsyncGenerator<{ text: string; rows: number }, void>,
  log: FastifyBaseLogger,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { ...headersOf(reply), 'content-type': 'application/x-ndjson; charset=utf-8' });
  let written = 0;
  for await (const chunk of chunks) {
    // An empty chunk ends a step that had no rows: only whether the client is still there matters.
    if (chunk.text === '' ? raw.destroyed : !(await writeUnlessGone(raw, chunk.text))) break;
    written += chunk.rows;
  }
  if (raw.destroyed) log.info({ rowsWritten: written }, 'stream cut short: the client went away');
  raw.end();
}

function headersOf(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) out[k] = String(v);
  return out;
}

/**
 * Writes one chunk and, when the socket's buffer is full, waits until it drains or the client
 * goes away (a socket that closed never drains). False once the client is gone.
 */
async function writeUnlessGone(raw: ServerResponse, chunk: string): Promise<boolean> {
  if (raw.destroyed) return false;
  if (!raw.write(chunk)) {
    await new Promise<void>((resolve) => {
      const done = () => {
        raw.off('drain', done);
        raw.off('close', done);
        resolve();
      };
      raw.on('drain', done);
      raw.on('close', done);
    });
  }
  return !raw.destroyed;
}
