import t from 'tap';
import { mkdtemp, readFile, rm, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchedLogDestination } from '../../src/http/log-destination.js';

/** The file's text once it stops changing (writes are asynchronous). */
async function settled(read: () => Promise<string>): Promise<string> {
  let last = await read();
  for (let i = 0; i < 50; i++) {
    await sleep(40);
    const now = await read();
    if (now === last && now !== '') return now;
    last = now;
  }
  return last;
}

async function withFile(
  teardown: (fn: () => Promise<void>) => void,
): Promise<{ fd: number; read: () => Promise<string> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterway-logs-'));
  const file = path.join(dir, 'out.log');
  const handle = await open(file, 'w');
  teardown(async () => {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { fd: handle.fd, read: () => readFile(file, 'utf8') };
}

t.test('lines wait for a full batch or 100 ms, and leave in order', async (t) => {
  const { fd, read } = await withFile((fn) => t.teardown(fn));
  const dest = new BatchedLogDestination(fd);
  t.teardown(() => dest.close());
  dest.write('{"n":1}\n');
  dest.write('{"n":2}\n');
  t.equal(await read(), '', 'nothing written yet');
  t.equal(await settled(read), '{"n":1}\n{"n":2}\n', 'written by the timer');

  const big = `{"pad":"${'x'.repeat(1000)}"}\n`;
  for (let i = 0; i < 17; i++) dest.write(big);
  t.equal((await settled(read)).length, 16 + 17 * big.length, 'a full batch is handed on at once');
  dest.write('{"n":3}\n');
  dest.close();
  t.ok((await read()).endsWith('{"n":3}\n'), 'close writes what is left, before it returns');
});
