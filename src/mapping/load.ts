import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { compileMapping, type CompiledMapping } from './compile.js';
import { MappingError } from './errors.js';
import { LIST_TARGETS } from './list-fields.js';
import type { MappingTarget } from './target.js';
import { isListName } from '../schemas/lists.js';

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Parse one mapping file's YAML text; YAML errors become `MappingError`s naming file and line. */
export function parseMappingYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0];
    throw new MappingError(
      file,
      '',
      `invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${err.message.split('\n')[0]}`,
    );
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Read, parse and compile one mapping file. */
export async function loadMappingFile(
  file: string,
  displayName = file,
  target?: MappingTarget,
): Promise<CompiledMapping> {
  const text = await readFile(file, 'utf8');
  return compileMapping(parseMappingYaml(text, displayName), displayName, target);
}

/**
 * The list mappings under `<rootDir>/<slug>/lists/`: slug → file name → compiled mapping. A file
 * maps to the list its name starts with (`products.yaml`, `products-console.yaml` → a Product;
 * `organizations…`, `workspaces…`), compiled against that list's schema.
 */
export async function loadListMappings(rootDir: string): Promise<Map<string, Map<string, CompiledMapping>>> {
  const out = new Map<string, Map<string, CompiledMapping>>();
  const slugs = (await readdir(rootDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  for (const slug of slugs) {
    const dir = path.join(rootDir, slug, 'lists');
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const files = entries
      .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
      .map((d) => d.name)
      .sort();
    const byName = new Map<string, CompiledMapping>();
    for (const name of files) {
      const display = path.join(path.basename(rootDir), slug, 'lists', name);
      const base = name.replace(/\.ya?ml$/, '');
      const list = /^[a-z]+/.exec(base)?.[0] ?? '';
      if (!NAME.test(base) || !isListName(list)) {
        throw new MappingError(
          display,
          '',
          `a list mapping is named after its list (products, organizations, workspaces), e.g. ${list || 'products'}.yaml`,
        );
      }
      byName.set(base, await loadMappingFile(path.join(dir, name), display, LIST_TARGETS[list]));
    }
    if (byName.size > 0) out.set(slug, byName);
  }
  return out;
}

/**
 * Compile every mapping under `rootDir` (`<rootDir>/<slug>/<report_type>.yaml`) at boot:
 * slug → report type → compiled mapping. The file name is the report type. Any invalid file
 * fails the whole load with a `MappingError` naming it, so a bad mapping never ships.
 */
export async function loadMappings(rootDir: string): Promise<Map<string, Map<string, CompiledMapping>>> {
  const out = new Map<string, Map<string, CompiledMapping>>();
  const slugs = (await readdir(rootDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  for (const slug of slugs) {
    const dir = path.join(rootDir, slug);
    const files = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
      .map((d) => d.name)
      .sort();
    const byType = new Map<string, CompiledMapping>();
    for (const name of files) {
      const display = path.join(path.basename(rootDir), slug, name);
      const reportType = name.replace(/\.ya?ml$/, '');
      if (!NAME.test(slug)) throw new MappingError(display, '', `'${slug}' is not a valid integration slug`);
      if (!NAME.test(reportType))
        throw new MappingError(display, '', `'${reportType}' is not a valid report type file name`);
      if (byType.has(reportType))
        throw new MappingError(display, '', `a second mapping for report type '${reportType}'`);
      byType.set(reportType, await loadMappingFile(path.join(dir, name), display));
    }
    if (byType.size > 0) out.set(slug, byType);
  }
  return out;
}
