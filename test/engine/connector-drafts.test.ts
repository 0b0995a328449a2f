/**
 * The draft connector files of vendors still to land (`connectors/<slug>/connector.draft.yaml`)
 * are written in the connector language as it stands: each validates against the schema. (What
 * each draft sends is checked beside it, in `connectors/<slug>/connector.test.ts`.)
 */
import t from 'tap';
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseConnectorFile } from '../../src/engine/registry.js';
import type { ConnectorSpec } from '../../src/schemas/connector.js';

const ROOT = path.resolve(import.meta.dirname, '../../connectors');

async function draft(slug: string): Promise<{ text: string; spec: ConnectorSpec }> {
  const file = path.join(ROOT, slug, 'connector.draft.yaml');
  const text = await readFile(file, 'utf8');
  return { text, spec: parseConnectorFile(text, `connectors/${slug}/connector.draft.yaml`) };
}

t.test('every draft validates against the connector schema', async (t) => {
  const slugs = (await readdir(ROOT)).filter((s) => existsSync(path.join(ROOT, s, 'connector.draft.yaml')));
  for (const slug of slugs) {
    const { spec } = await draft(slug);
    t.equal(spec.slug, slug);
    t.ok(Object.keys(spec.reports ?? {}).length > 0, `${slug} declares reports`);
    // A draft is for a connector still to land: once connector.yaml serves usage, it goes.
    const live = parseConnectorFile(await readFile(path.join(ROOT, slug, 'connector.yaml'), 'utf8'), slug);
    t.notOk(live.reports, `${slug}: connector.yaml is implemented, so its draft must be removed`);
  }
});
