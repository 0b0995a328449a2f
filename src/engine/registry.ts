import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConnectorSpec } from '../schemas/connector.js';

/** A connector.yaml that failed validation; the message names the file and the JSON pointer. */
export class ConnectorFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectorFileError';
  }
}

export interface Connector {
  readonly spec: ConnectorSpec;
  readonly dir: string;
  /** True when the connector declares resources and reports, i.e. it can serve usage. */
  readonly implemented: boolean;
}

/**
 * Finds connectors by scanning `connectors/*` for connector.yaml files: the engine keeps no list
 * of vendors, so adding one is adding a folder.
 */
export class ConnectorRegistry {
  private constructor(private readonly bySlug: Map<string, Connector>) {}

  static async load(rootDir: string): Promise<ConnectorRegistry> {
    const map = new Map<string, Connector>();
    const entries = await readdir(rootDir, { withFileTypes: true });
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = path.join(rootDir, entry.name);
      const file = path.join(dir, 'connector.yaml');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue; // a folder without connector.yaml is not a connector
      }
      const spec = parseConnectorFile(text, path.relative(process.cwd(), file) || file);
      if (spec.slug !== entry.name) {
        throw new ConnectorFileError(
          `${file}#/slug: slug "${spec.slug}" must equal its folder name "${entry.name}"`,
        );
      }
      const implemented = Object.keys(spec.reports ?? {}).length > 0;
      map.set(spec.slug, { spec, dir, implemented });
    }
    return new ConnectorRegistry(map);
  }

  get(slug: string): Connector | undefined {
    return this.bySlug.get(slug);
  }

  get slugs(): string[] {
    return [...this.bySlug.keys()];
  }

  all(): Connector[] {
    return [...this.bySlug.values()];
  }
}

export function parseConnectorFile(text: string, file: string): ConnectorSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text, { merge: true });
  } catch (err) {
    throw new ConnectorFileError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const first = Value.Errors(ConnectorSpec, doc).First();
  if (first) throw new ConnectorFileError(`${file}#${first.path || '/'}: ${first.message}`);
  const spec = doc as ConnectorSpec;
  for (const [name, report] of Object.entries(spec.reports ?? {})) {
    const sources = [report.resource, ...(report.also ?? []).map((a) => a.resource)];
    sources.forEach((resourceName, i) => {
      const resource = spec.resources?.[resourceName];
      const pointer = i === 0 ? `/reports/${name}/resource` : `/reports/${name}/also/${i - 1}/resource`;
      if (!resource) throw new ConnectorFileError(`${file}#${pointer}: no resource named "${resourceName}"`);
      if (!(resource.credential in spec.credentials)) {
        throw new ConnectorFileError(
          `${file}#/resources/${resourceName}/credential: "${resource.credential}" is not a declared credential`,
        );
      }
    });
  }
  for (const [name, resource] of Object.entries(spec.resources ?? {})) {
    if (resource.base_url && !(resource.base_url.context in (spec.context ?? {}))) {
      throw new ConnectorFileError(
        `${file}#/resources/${name}/base_url/context: "${resource.base_url.context}" is not a declared context field`,
      );
    }
    for (const [lookup, l] of Object.entries(resource.lookups ?? {})) {
      if (!spec.resources?.[l.resource]) {
        throw new ConnectorFileError(
          `${file}#/resources/${name}/lookups/${lookup}/resource: no resource named "${l.resource}"`,
        );
      }
    }
  }
  return spec;
}
