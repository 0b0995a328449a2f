import type { ConnectorRegistry } from '../engine/registry.js';

/**
 * A Markdown table of the integrations loaded, for the OpenAPI document: it is generated from the
 * connector files, so the document covers every vendor without the routes naming one.
 */
export function integrationsTable(connectors: ConnectorRegistry): string {
  const rows = connectors.all().map((c) => {
    const spec = c.spec;
    const reports = Object.keys(spec.reports ?? {});
    return `| \`${spec.slug}\` | ${spec.name} | ${fields(spec.credentials)} | ${fields(spec.context ?? {})} | ${
      reports.length > 0 ? reports.map((r) => `\`${r}\``).join(', ') : 'none yet (usage answers 501)'
    } |`;
  });
  return [
    '| integration | vendor | `credentials` | `context` | report types |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function fields(declared: Record<string, { description: string }>): string {
  const names = Object.keys(declared);
  return names.length > 0 ? names.map((n) => `\`${n}\``).join(', ') : '—';
}
