import type { Account } from '../schemas/account.js';
import { compileMapping, mergeMappingDocs, type CompiledMapping } from '../mapping/compile.js';
import { loadListMappings, loadMappings } from '../mapping/load.js';
import { LIST_NAMES } from '../schemas/lists.js';
import { listMappingName, listSourcesOf } from './lists.js';
import type { ConnectorRegistry } from './registry.js';
import { sourcesOf } from './sources.js';

/** Thrown at boot when a connector's report names a mapping file that does not exist. */
export class MissingMappingError extends Error {}

/**
 * Every compiled mapping, by integration and name, compiled once at boot; plus per-account
 * overrides, compiled on first use and kept until the account changes.
 */
export class MappingCatalog {
  private readonly overrides = new Map<string, { stamp: string; compiled: CompiledMapping }>();

  private constructor(private readonly base: Map<string, Map<string, CompiledMapping>>) {}

  static async load(dir: string, connectors: ConnectorRegistry): Promise<MappingCatalog> {
    const base = await loadMappings(dir);
    // List mappings (mappings/<slug>/lists/) are known as `lists/<file>`, beside the report ones.
    for (const [slug, lists] of await loadListMappings(dir)) {
      const byName = base.get(slug) ?? new Map<string, CompiledMapping>();
      for (const [name, compiled] of lists) byName.set(listMappingName(name), compiled);
      base.set(slug, byName);
    }
    for (const c of connectors.all()) {
      for (const [report, spec] of Object.entries(c.spec.reports ?? {})) {
        for (const source of sourcesOf(spec)) {
          const name = source.mapping ?? report;
          if (!base.get(c.spec.slug)?.has(name)) {
            throw new MissingMappingError(
              `connectors/${c.spec.slug}/connector.yaml#/reports/${report}: no mapping file mappings/${c.spec.slug}/${name}.yaml`,
            );
          }
        }
      }
    }
    for (const c of connectors.all()) {
      for (const list of LIST_NAMES) {
        const spec = c.spec.lists?.[list];
        if (!spec) continue;
        for (const source of listSourcesOf(list, spec)) {
          if (!base.get(c.spec.slug)?.has(listMappingName(source.mapping))) {
            throw new MissingMappingError(
              `connectors/${c.spec.slug}/connector.yaml#/lists/${list}: no mapping file mappings/${c.spec.slug}/lists/${source.mapping}.yaml`,
            );
          }
        }
      }
    }
    return new MappingCatalog(base);
  }

  /** Compiles each override onto its base so a bad one is refused when it is saved, not when used. */
  check(slug: string, overrides: Record<string, unknown>): void {
    for (const [name, override] of Object.entries(overrides)) {
      const compiled = this.base.get(slug)?.get(name);
      if (!compiled) {
        throw new Error(
          `no ${slug} mapping named "${name}"; known: ${[...(this.base.get(slug)?.keys() ?? [])].join(', ')}`,
        );
      }
      compileMapping(
        mergeMappingDocs(compiled.doc, override, `mapping_overrides.${name}`),
        `mapping_overrides.${name}`,
        compiled.target,
      );
    }
  }

  get(slug: string, name: string, account: Account): CompiledMapping | undefined {
    const compiled = this.base.get(slug)?.get(name);
    const override = account.mapping_overrides?.[name];
    if (!compiled || override === undefined) return compiled;
    const key = `${account.tenant}\0${account.id}\0${name}`;
    const cached = this.overrides.get(key);
    if (cached && cached.stamp === account.updated_at) return cached.compiled;
    const merged = mergeMappingDocs(
      compiled.doc,
      override,
      `integrated account ${account.id} mapping_overrides.${name}`,
    );
    const result = compileMapping(
      merged,
      `integrated account ${account.id} mapping_overrides.${name}`,
      compiled.target,
    );
    this.overrides.set(key, { stamp: account.updated_at, compiled: result });
    return result;
  }
}
