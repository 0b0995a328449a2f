import { randomBytes } from 'node:crypto';
import type { Account, AccountCreate, AccountPatch, AccountView } from './schemas/account.js';
import type { Connector, ConnectorRegistry } from './engine/registry.js';
import { AppError } from './errors.js';
import { isLoopbackHost } from './engine/hosts.js';
import { contextFieldsOf, fillBaseUrl } from './engine/request/templates.js';
import { contextDefaultsOf } from './engine/policy.js';

export interface AccountRulesOptions {
  allowCustomHosts: boolean;
  /** Sandbox gateways may point accounts at loopback emulators. */
  allowLoopback: boolean;
  /** Compiles mapping overrides, throwing a MappingError that names the problem. */
  checkOverrides?: (integration: string, overrides: Record<string, unknown>) => void;
}

/**
 * The rules an integrated account must satisfy, checked against its connector's declaration:
 * known integration, declared credential and context fields, and a base URL only on declared hosts.
 */
export class AccountRules {
  constructor(
    private readonly connectors: ConnectorRegistry,
    private readonly options: AccountRulesOptions,
  ) {}

  newAccount(tenant: string, input: AccountCreate, now = new Date()): Account {
    const connector = this.connectorOf(input.integration);
    const account: Account = {
      id: input.id ?? `acct_${randomBytes(12).toString('base64url')}`,
      tenant,
      integration: input.integration,
      name: input.name ?? `${connector.spec.name} account`,
      status: 'active',
      credentials: { ...input.credentials },
      context: { ...(input.context ?? {}) },
      ...(input.mapping_overrides ? { mapping_overrides: input.mapping_overrides } : {}),
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    this.check(connector, account);
    return account;
  }

  patched(account: Account, patch: AccountPatch, now = new Date()): Account {
    // An account the vendor refused (needs_reauth) is active again once its credentials change,
    // unless the same patch sets a status itself.
    const newCredentials = Object.entries(patch.credentials ?? {}).some(
      ([field, value]) => account.credentials[field] !== value,
    );
    const status =
      patch.status ?? (account.status === 'needs_reauth' && newCredentials ? 'active' : account.status);
    const next: Account = {
      ...account,
      name: patch.name ?? account.name,
      status,
      // Credentials are merged field by field so a caller can rotate one key without resending
      // the other (which it cannot read back anyway). An empty string is rejected by the schema.
      credentials: { ...account.credentials, ...(patch.credentials ?? {}) },
      context: { ...account.context, ...(patch.context ?? {}) },
      updated_at: now.toISOString(),
    };
    if (patch.mapping_overrides !== undefined) next.mapping_overrides = patch.mapping_overrides;
    this.check(this.connectorOf(account.integration), next);
    return next;
  }

  private connectorOf(slug: string): Connector {
    const connector = this.connectors.get(slug);
    if (!connector) {
      throw new AppError(
        'invalid_body',
        `Unknown integration "${slug}". Known: ${this.connectors.slugs.join(', ')}.`,
        {
          details: { parameter: 'integration', allowed: this.connectors.slugs },
        },
      );
    }
    return connector;
  }

  private check(connector: Connector, account: Account): void {
    const { spec } = connector;
    const declared = Object.keys(spec.credentials);
    for (const field of Object.keys(account.credentials)) {
      if (!declared.includes(field)) {
        throw new AppError(
          'invalid_body',
          `Unknown credential "${field}" for ${spec.slug}. Accepted: ${declared.join(', ')}.`,
          {
            details: { parameter: `credentials.${field}`, allowed: declared },
          },
        );
      }
    }
    const present = declared.filter((f) => account.credentials[f] !== undefined);
    const required = declared.filter((f) => spec.credentials[f]?.required);
    const missingRequired = required.filter((f) => !present.includes(f));
    if (missingRequired.length > 0) {
      throw new AppError(
        'invalid_body',
        `Missing credential ${missingRequired.join(', ')} for ${spec.slug}.`,
        {
          details: { parameter: 'credentials', missing: missingRequired },
        },
      );
    }
    if (present.length === 0) {
      throw new AppError(
        'invalid_body',
        `Give at least one credential for ${spec.slug}: ${declared.join(' or ')}.`,
        {
          details: { parameter: 'credentials', allowed: declared },
        },
      );
    }
    const contextFields = Object.keys(spec.context ?? {});
    for (const field of Object.keys(account.context)) {
      if (!contextFields.includes(field)) {
        throw new AppError(
          'invalid_body',
          `Unknown context field "${field}" for ${spec.slug}. Accepted: ${contextFields.join(', ') || 'none'}.`,
          {
            details: { parameter: `context.${field}`, allowed: contextFields },
          },
        );
      }
    }
    for (const [field, value] of Object.entries(account.context)) {
      if (field === 'base_url' || field.endsWith('_base_url')) this.checkBaseUrl(connector, field, value);
    }
    this.checkTemplatedBaseUrl(connector, account);
    if (account.mapping_overrides && this.options.checkOverrides) {
      try {
        this.options.checkOverrides(spec.slug, account.mapping_overrides);
      } catch (err) {
        throw new AppError('invalid_body', `mapping_overrides: ${(err as Error).message}`, {
          details: { parameter: 'mapping_overrides' },
        });
      }
    }
  }

  /**
   * A base URL built from context (a vendor site) is checked like a given one: a site the
   * connector does not declare is refused when the account is saved, not at its first call.
   */
  private checkTemplatedBaseUrl(connector: Connector, account: Account): void {
    const fields = contextFieldsOf(connector.spec.base_url);
    if (account.context.base_url !== undefined || fields.length === 0) return;
    const field = fields.find((f) => account.context[f] !== undefined) ?? (fields[0] as string);
    let url: string;
    try {
      url = fillBaseUrl(connector.spec.base_url, {
        account,
        contextDefaults: contextDefaultsOf(connector.spec),
      });
    } catch {
      throw new AppError(
        'invalid_body',
        `context.${field} is required for ${connector.spec.slug} (it makes the vendor's address).`,
        { details: { parameter: `context.${field}` } },
      );
    }
    this.checkBaseUrl(connector, field, url);
  }

  private checkBaseUrl(connector: Connector, field: string, value: string): void {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new AppError('invalid_body', `context.${field} is not a URL: "${value}".`, {
        details: { parameter: `context.${field}` },
      });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new AppError('invalid_body', `context.${field} must be an http(s) URL.`, {
        details: { parameter: `context.${field}` },
      });
    }
    if (url.username || url.password) {
      throw new AppError(
        'invalid_body',
        `context.${field} must not carry credentials; use the credentials fields.`,
        {
          details: { parameter: `context.${field}` },
        },
      );
    }
    if (!this.hostAllowed(connector, url.hostname)) {
      throw new AppError(
        'host_not_allowed',
        `Host "${url.hostname}" is not declared by the ${connector.spec.slug} connector (${connector.spec.allowed_hosts.join(', ')}). An operator can allow any host with METERWAY_ALLOW_CUSTOM_HOSTS=true.`,
        { details: { parameter: `context.${field}`, allowed: connector.spec.allowed_hosts } },
      );
    }
  }

  /** The engine asks this before every vendor call, next-page URLs included. */
  hostAllowedFor(slug: string, hostname: string): boolean {
    const connector = this.connectors.get(slug);
    return connector !== undefined && this.hostAllowed(connector, hostname);
  }

  hostAllowed(connector: Connector, hostname: string): boolean {
    if (this.options.allowCustomHosts) return true;
    if (this.options.allowLoopback && isLoopbackHost(hostname)) return true;
    return connector.spec.allowed_hosts.includes(hostname.toLowerCase());
  }
}

/** What the API shows: never a credential, only a hint of its last four characters. */
export function viewOf(account: Account): AccountView {
  return {
    id: account.id,
    integration: account.integration,
    name: account.name,
    status: account.status,
    credentials: Object.fromEntries(Object.entries(account.credentials).map(([k, v]) => [k, maskSecret(v)])),
    context: account.context,
    ...(account.mapping_overrides ? { mapping_overrides: account.mapping_overrides } : {}),
    created_at: account.created_at,
    updated_at: account.updated_at,
  };
}

export function maskSecret(secret: string): string {
  // Short secrets show nothing: four characters of an eight-character key is half of it.
  return secret.length >= 16 ? `…${secret.slice(-4)}` : '…';
}
