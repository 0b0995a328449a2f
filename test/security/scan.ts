/**
 * Helpers of the secret scan: marker credentials, every form a credential can leave in (as given,
 * base64 in a Basic header, URL- and JSON-escaped), and a scan of text, files and Redis for them.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';

/** A credential value that cannot occur by chance, long enough that its masked hint hides it. */
export function marker(tag: string): string {
  return `mwmark-${tag}-${randomBytes(10).toString('hex')}`;
}

/**
 * The strings that prove a leak of these credentials: each value and a 16-character piece of its
 * middle (the masked hint shows only the last four), and base64 of every `a:b` pair and `a:`
 * (Basic auth), with their middles too.
 */
export function leakForms(values: readonly string[]): string[] {
  const forms = new Set<string>();
  const add = (s: string) => {
    forms.add(s);
    if (s.length >= 24) forms.add(s.slice(4, 20));
  };
  for (const v of values) {
    add(v);
    add(Buffer.from(`${v}:`).toString('base64').replace(/=+$/, ''));
    for (const w of values) {
      if (w !== v) add(Buffer.from(`${v}:${w}`).toString('base64').replace(/=+$/, '').slice(0, -4));
    }
  }
  return [...forms];
}

export interface Finding {
  where: string;
  form: string;
  around: string;
}

/** Every occurrence of a leak form in a text. */
export function scanText(where: string, text: string, forms: readonly string[]): Finding[] {
  const found: Finding[] = [];
  for (const form of forms) {
    const at = text.indexOf(form);
    if (at >= 0) found.push({ where, form, around: text.slice(Math.max(0, at - 60), at + form.length + 20) });
  }
  return found;
}

/** Every file under a folder, read as latin1 so any byte sequence is comparable. */
export async function scanFolder(
  dir: string,
  forms: readonly string[],
): Promise<{ files: number; findings: Finding[] }> {
  const findings: Finding[] = [];
  let files = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    files++;
    const bytes = await readFile(file);
    findings.push(
      ...scanText(`file ${path.relative(dir, file)}`, bytes.toString('latin1'), forms),
      ...scanText(`file ${path.relative(dir, file)} (utf8)`, bytes.toString('utf8'), forms),
    );
  }
  return { files, findings };
}

/** Every key under a prefix and every value it holds (strings, hashes, lists, sets, sorted sets, streams). */
export async function scanRedis(
  redis: Redis,
  prefix: string,
  forms: readonly string[],
): Promise<{ keys: number; findings: Finding[] }> {
  const findings: Finding[] = [];
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of batch) {
      keys++;
      findings.push(...scanText(`redis key`, key, forms));
      const type = await redis.type(key);
      let values: string[] = [];
      if (type === 'string') values = [(await redis.getBuffer(key))?.toString('latin1') ?? ''];
      else if (type === 'hash') values = Object.entries(await redis.hgetall(key)).flat();
      else if (type === 'list') values = await redis.lrange(key, 0, -1);
      else if (type === 'set') values = await redis.smembers(key);
      else if (type === 'zset') values = await redis.zrange(key, 0, -1);
      else if (type === 'stream') values = [JSON.stringify(await redis.xrange(key, '-', '+'))];
      findings.push(...scanText(`redis ${type} ${key}`, values.join('\n'), forms));
    }
  } while (cursor !== '0');
  return { keys, findings };
}
