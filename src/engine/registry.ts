import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConnectorSpec, type Report, type Resource } from '../schemas/connector.js';
import { sourcesOf } from './sources.js';

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
  for (const [name, report] of Object.entries(spec.reports ?? {})) checkSourceSets(spec, name, report, file);
  checkLists(spec, file);
  for (const [name, resource] of Object.entries(spec.resources ?? {})) {
    checkResourceAddress(spec, name, resource, file);
    checkBodyPlacement(name, resource, file);
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

/**
 * Sources of one credential must say how they share the work: a settled and an unsettled source
 * split by the report's `settle` boundary, or products fanned out over, each named once. Two
 * sources of one credential that say neither would both serve the whole range.
 */
function checkSourceSets(spec: ConnectorSpec, name: string, report: Report, file: string): void {
  const byCredential = new Map<string, ReturnType<typeof sourcesOf>>();
  for (const s of sourcesOf(report)) {
    const credential = spec.resources?.[s.resource]?.credential ?? '';
    byCredential.set(credential, [...(byCredential.get(credential) ?? []), s]);
  }
  const fail = (why: string) => new ConnectorFileError(`${file}#/reports/${name}: ${why}`);
  for (const [credential, group] of byCredential) {
    const periods = group.filter((s) => s.period !== undefined);
    const products = group.filter((s) => s.product !== undefined);
    if (periods.length > 0 && products.length > 0)
      throw fail(`the ${credential} sources mix period and product; use one`);
    if (periods.length > 0) {
      if (periods.length !== group.length) throw fail(`every ${credential} source needs a period`);
      if (!report.settle) throw fail('sources split by period need settle (where settled ends)');
      const settled = periods.filter((s) => s.period === 'settled').length;
      const unsettled = periods.filter((s) => s.period === 'unsettled').length;
      if (settled > 1 || unsettled > 1 || settled + unsettled === 0)
        throw fail(`the ${credential} sources need one settled and at most one unsettled source`);
    } else if (products.length > 0) {
      if (products.length !== group.length) throw fail(`every ${credential} source needs a product`);
      const names = products.map((s) => s.product);
      if (new Set(names).size !== names.length) throw fail(`a product is named twice`);
      for (const p of report.default_products ?? [])
        if (!names.includes(p)) throw fail(`default product "${p}" has no source`);
    } else if (group.length > 1) {
      throw fail(`${group.length} sources use ${credential}: give them a period or a product each`);
    }
  }
}

/**
 * A resource on its own address names a `*_base_url` context field (so the account rules check
 * it when an account is saved, and the sandbox aims it at the emulator), and its default host is
 * one the connector declares.
 */
function checkResourceAddress(spec: ConnectorSpec, name: string, resource: Resource, file: string): void {
  const own = resource.base_url;
  if (!own) return;
  const at = `${file}#/resources/${name}/base_url`;
  if (!own.context.endsWith('_base_url') || !(own.context in (spec.context ?? {}))) {
    throw new ConnectorFileError(
      `${at}/context: "${own.context}" must be a declared context field named *_base_url`,
    );
  }
  let host: string | undefined;
  try {
    host = own.default.includes('{') ? undefined : new URL(own.default).hostname;
  } catch {
    throw new ConnectorFileError(`${at}/default: "${own.default}" is not a URL`);
  }
  if (host !== undefined && !spec.allowed_hosts.includes(host)) {
    throw new ConnectorFileError(`${at}/default: host "${host}" is not in allowed_hosts`);
  }
}

/** A value placed in the body needs a resource with a body. */
function checkBodyPlacement(name: string, resource: Resource, file: string): void {
  if (resource.body !== undefined) return;
  const inBody = [
    ...Object.entries(resource.params ?? {})
      .filter(([, p]) => p.in === 'body')
      .map(([unified]) => `params/${unified}`),
    ...(resource.page_size?.in === 'body' ? ['page_size'] : []),
    ...('in' in resource.pagination && resource.pagination.in === 'body' ? ['pagination'] : []),
  ];
  if (inBody.length > 0) {
    throw new ConnectorFileError(
      `${file}#/resources/${name}/${inBody[0]}: placed in the body, but the resource declares no body`,
    );
  }
}

/** A list reads records from declared resources, or has its records written out; never both. */
function checkLists(spec: ConnectorSpec, file: string): void {
  for (const [list, source] of Object.entries(spec.lists ?? {})) {
    if (!source) continue;
    const at = `${file}#/lists/${list}`;
    if ((source.resource === undefined) === (source.records === undefined))
      throw new ConnectorFileError(`${at}: give a resource or records (one of the two)`);
    if (source.records !== undefined && source.also !== undefined)
      throw new ConnectorFileError(`${at}/also: a list of fixed records has no other sources`);
    const names = [source.resource, ...(source.also ?? []).map((a) => a.resource)];
    names.forEach((name, i) => {
      if (name === undefined) return;
      const resource = spec.resources?.[name];
      const pointer = i === 0 ? `${at}/resource` : `${at}/also/${i - 1}/resource`;
      if (!resource) throw new ConnectorFileError(`${pointer}: no resource named "${name}"`);
      if (!(resource.credential in spec.credentials))
        throw new ConnectorFileError(`${pointer}: "${resource.credential}" is not a declared credential`);
    });
  }
}
