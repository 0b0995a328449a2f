import { Writable } from 'node:stream';

/** A log destination that keeps every line, for tests that read what the gateway logged. */
export function captureLines(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.length > 0));
      cb();
    },
  });
  return { stream, lines };
}
