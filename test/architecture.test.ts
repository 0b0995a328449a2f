/**
 * The engine knows no vendor by name (DESIGN §3): nothing under src/ names a vendor or imports
 * from connectors/. Adding a vendor is adding a folder, so the list of names grows with the
 * folders of connectors/ plus the vendor names that are not slugs.
 */
import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = path.join(ROOT, 'src');

/** Vendor and product names that are not connector folders (the company behind a slug, a product). */
const OTHER_VENDOR_NAMES = ['anthropic', 'codex'];

/**
 * Vendor names that are also words of the gateway's own vocabulary (a paging cursor). For these
 * only the proper noun counts, and the vendor's hosts: `Cursor` capitalised where a sentence does
 * not start, and not a type (`c: Cursor`, `interface Cursor`) or a compound (`Cursor-paged`).
 */
const NOT_A_NAME_BEFORE =
  /(?<!(?:^|[.!?]\s+|^\s*(?:\/\/+|\/?\*+|#+|[-*+>|])\s*|\b(?:interface|type|class|enum|extends|implements|new|as|typeof|keyof)\s+|[:<|&,]\s*))/
    .source;
const NOT_A_NAME_AFTER = /(?![-<(\w]|\.\w)/.source;
const COMMON_WORDS: Record<string, RegExp[]> = {
  cursor: [new RegExp(`${NOT_A_NAME_BEFORE}\\bCursor\\b${NOT_A_NAME_AFTER}`), /\bcursor\.(?:com|sh)\b/i],
};

async function vendorNames(): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, 'connectors'), { withFileTypes: true });
  const slugs = entries.filter((e) => e.isDirectory()).map((e) => e.name.toLowerCase());
  return [...new Set([...slugs, ...OTHER_VENDOR_NAMES])].sort();
}

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Patterns that find a vendor name in a text: whole word, any case, except for common words. */
function vendorPatterns(names: readonly string[]): { name: string; re: RegExp }[] {
  return names.flatMap((name) =>
    (COMMON_WORDS[name] ?? [new RegExp(`(?<![A-Za-z0-9])${escape(name)}(?![A-Za-z0-9])`, 'i')]).map((re) => ({
      name,
      re,
    })),
  );
}

/** Static imports, re-exports and literal dynamic imports whose specifier goes into connectors/. */
const CONNECTOR_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"`][^'"`]*\bconnectors\//;

interface Offence {
  file: string;
  line: number;
  what: string;
  text: string;
}

function offences(file: string, text: string, patterns: readonly { name: string; re: RegExp }[]): Offence[] {
  const found: Offence[] = [];
  for (const { name, re } of patterns) {
    if (re.test(file)) found.push({ file, line: 0, what: `the path names ${name}`, text: file });
  }
  text.split('\n').forEach((line, i) => {
    for (const { name, re } of patterns) {
      if (re.test(line)) found.push({ file, line: i + 1, what: `names ${name}`, text: line.trim() });
    }
    if (CONNECTOR_IMPORT.test(line)) {
      found.push({ file, line: i + 1, what: 'imports from connectors/', text: line.trim() });
    }
  });
  return found;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full)));
    else if (e.isFile()) out.push(full);
  }
  return out.sort();
}

const names = await vendorNames();
const patterns = vendorPatterns(names);

t.test('the vendor list comes from connectors/ and the known vendor names', async (t) => {
  for (const n of ['claude', 'anthropic', 'codex']) t.ok(names.includes(n), `${n} is a vendor name`);
  t.ok(names.length >= 3);
});

t.test('the checks find what they look for, and only that', async (t) => {
  const hits = (line: string) => offences('src/x.ts', line, patterns).map((o) => o.what);
  t.same(hits('// calls the Claude API'), ['names claude']);
  t.same(hits("if (slug === 'ANTHROPIC') {"), ['names anthropic']);
  t.same(hits("import { x } from '../connectors/claude/emulator/index.js';"), [
    'names claude',
    'imports from connectors/',
  ]);
  t.same(hits("export * from '../../connectors/x/hooks.js';"), ['imports from connectors/']);
  t.same(hits("const m = await import('../connectors/x/hooks.js');"), ['imports from connectors/']);
  t.same(hits('a tampered cursor is a 400; next_cursor, cursorKey'), [], 'the paging cursor is no vendor');
  t.same(hits("'Vendor-style page number (Cursor spend).'"), ['names cursor']);
  t.same(hits("Adds Cursor's admin API, for teams on Cursor."), ['names cursor']);
  t.same(hits('calls https://api.cursor.com/teams'), ['names cursor']);
  for (const line of [
    'Cursor-paged APIs use a token codec',
    ' * Cursor is opaque. Cursor state is signed',
    'export interface Cursor {',
    'function read(c: Cursor, all: Map<string, Cursor>): Cursor | null',
  ]) {
    t.same(hits(line), [], `the paging cursor is no vendor: ${line}`);
  }
  t.same(hits('claudette, preclaude_x, openaiKey'), [], 'whole words only');
  t.same(hits("new URL('../connectors/', import.meta.url)"), [], 'finding connectors by folder is fine');
  t.same(
    offences('src/engine/claude-hooks.ts', '', patterns).map((o) => o.what),
    ['the path names claude'],
  );
});

t.test('nothing under src/ names a vendor or imports from connectors/', async (t) => {
  const files = await filesUnder(SRC);
  t.ok(files.length > 10, 'src/ has files');
  const found: Offence[] = [];
  for (const file of files) {
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    found.push(...offences(rel, await readFile(file, 'utf8'), patterns));
  }
  t.same(
    found.map((o) => `${o.file}:${o.line}: ${o.what}: ${o.text.slice(0, 160)}`),
    [],
    'src/ is vendor-free (src/emulator-kit/ included)',
  );
});
