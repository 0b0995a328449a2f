import t from 'tap';
import { readFile } from 'node:fs/promises';
import { generateOpenApi, OPENAPI_FILE } from '../../src/openapi.js';
import { UsageQuery } from '../../src/schemas/usage-query.js';

t.test('the committed OpenAPI document is current', async (t) => {
  const fresh = await generateOpenApi();
  const committed = await readFile(OPENAPI_FILE, 'utf8').catch(() => '');
  t.ok(fresh === committed, 'openapi/openapi.json is stale: run `npm run openapi` and commit the result');
});

t.test('every usage parameter is documented with a description', async (t) => {
  const doc = JSON.parse(await generateOpenApi());
  const op = doc.paths['/unified/usage-metering/usage'].get;
  const names = op.parameters.map((p: { name: string }) => p.name);
  for (const name of Object.keys(UsageQuery.properties)) {
    t.ok(names.includes(name), `${name} is in the document`);
  }
  for (const p of op.parameters) {
    t.ok((p.description ?? p.schema?.description ?? '').length > 10, `${p.name} has a description`);
  }
  t.ok(doc.paths['/integrated-accounts'].post, 'accounts are documented');
  t.ok(doc.components.schemas.ErrorEnvelope, 'the error envelope is a named schema');
  t.ok(doc.components.schemas.UsageRow, 'the Usage row is a named schema');
});
