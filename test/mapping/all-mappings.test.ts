import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import t from 'tap';
import { readFileSync } from 'node:fs';
import { loadMappingFile, loadMappings, parseMappingYaml } from '../../src/mapping/load.js';
import { MappingDoc } from '../../src/mapping/schema.js';
import { UsageRow } from '../../src/schemas/usage.js';

/**
 * Table-driven: every `mappings/<slug>/<report_type>.yaml` is loaded, compiled and run over
 * degenerate records. A new mapping file is tested by adding it.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'mappings');
const files = readdirSync(dir)
  .filter((slug) => statSync(path.join(dir, slug)).isDirectory())
  .flatMap((slug) =>
    readdirSync(path.join(dir, slug))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => ({ slug, reportType: f.replace(/\.ya?ml$/, ''), file: path.join(dir, slug, f) })),
  );

t.ok(files.length > 0, 'there are mapping files');

const loaded = await loadMappings(dir);
t.equal(
  [...loaded.values()].reduce((n, m) => n + m.size, 0),
  files.length,
  'loadMappings compiles every file',
);

for (const { slug, reportType, file } of files) {
  t.test(`mappings/${slug}/${reportType}`, async (t) => {
    const compiled = loaded.get(slug)?.get(reportType);
    if (compiled === undefined) throw new Error('not loaded');
    t.equal(compiled.name, `${slug}/${reportType}`);
    t.match(compiled.source, /^"use strict";/);
    t.ok(
      Value.Check(MappingDoc, parseMappingYaml(readFileSync(file, 'utf8'), file)),
      'matches the MappingDoc schema',
    );
    const again = await loadMappingFile(file);
    t.equal(
      again.source.replace(/from ".*"/, ''),
      compiled.source.replace(/from ".*"/, ''),
      'compilation is deterministic',
    );
    const ctx = { integration: slug, accountId: 'acct_test', reportType };
    for (const record of [{}, null, 'text', [], { date: '2026-03-04' }]) {
      const rows = compiled.map(record, ctx);
      for (const row of rows) {
        t.ok(Value.Check(UsageRow, row), `valid Usage row for ${JSON.stringify(record)}`);
        t.match(row.id, /^[0-9a-f]{28}$/);
      }
    }
  });
}
