import type { Account } from '../schemas/account.js';
import type { ConnectorSpec, Resource } from '../schemas/connector.js';
import { AppError } from '../errors.js';
import type { UpstreamRequest } from './http.js';
import type { DateWindow } from './windows.js';

export interface BuildArgs {
  spec: ConnectorSpec;
  resource: Resource;
  account: Account;
  window: DateWindow;
  page: string | number | null;
  remoteQuery: Record<string, string | string[]>;
  /** Unified parameters already translated for this vendor (see plan.ts). */
  vendorParams?: Record<string, string | string[]>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Turns a resource declaration plus paging state into one concrete vendor request. */
export function buildRequest({
  spec,
  resource,
  account,
  window,
  page,
  remoteQuery,
  vendorParams = {},
}: BuildArgs): UpstreamRequest {
  const base = account.context.base_url ?? fill(spec.base_url, account, window, resource);
  let url: URL;
  if (resource.pagination.type === 'next_url' && typeof page === 'string' && /^https?:\/\//.test(page)) {
    // The vendor gave a full next-page URL; it is still checked against the declared hosts.
    url = new URL(page);
  } else {
    url = new URL(joinPath(base, fill(resource.path, account, window, resource)));
    const owned = new Set<string>();
    for (const [name, template] of Object.entries(resource.query ?? {})) {
      for (const t of Array.isArray(template) ? template : [template]) {
        const value = fill(t, account, window, resource);
        if (value !== '') url.searchParams.append(name, value);
      }
      owned.add(name);
    }
    for (const [name, value] of Object.entries(vendorParams)) {
      if (Array.isArray(value)) {
        const present = new Set(url.searchParams.getAll(name));
        for (const v of value) if (!present.has(v)) url.searchParams.append(name, v);
      } else {
        url.searchParams.set(name, value);
      }
      owned.add(name);
    }
    if (resource.page_size) {
      // Always the vendor's maximum: fewer calls, and page boundaries that stay put between requests.
      const { param, max, max_by } = resource.page_size;
      const byValue = max_by ? max_by.values[url.searchParams.get(max_by.param) ?? ''] : undefined;
      url.searchParams.set(param, String(byValue ?? max));
      owned.add(param);
    }
    const pageParam = pageParamOf(resource);
    if (pageParam) {
      owned.add(pageParam);
      if (page !== null) url.searchParams.set(pageParam, String(page));
      else if (resource.pagination.type === 'page_number')
        url.searchParams.set(pageParam, String(resource.pagination.first_page));
    }
    for (const [name, value] of Object.entries(remoteQuery)) {
      if (owned.has(name)) {
        throw new AppError(
          'invalid_parameter',
          `remote_query[${name}] would replace a parameter the gateway sets for paging or dates; use the unified parameter instead.`,
          { details: { parameter: `remote_query.${name}` } },
        );
      }
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
    }
  }
  return {
    url,
    method: resource.method,
    headers: { ...spec.headers, ...authHeaders(spec, resource, account), accept: 'application/json' },
    timeoutMs: spec.timeout_ms ?? DEFAULT_TIMEOUT_MS,
  };
}

function pageParamOf(resource: Resource): string | undefined {
  const p = resource.pagination;
  if (p.type === 'token' || p.type === 'page_number') return p.param;
  if (p.type === 'next_url') return p.token_param;
  return undefined;
}

export function credentialOf(account: Account, field: string): string {
  const value = account.credentials[field];
  if (!value) {
    throw new AppError(
      'missing_credential',
      `This report needs the ${field} credential; add it with PATCH /integrated-accounts/${account.id}.`,
      {
        details: { credential: field },
      },
    );
  }
  return value;
}

function authHeaders(spec: ConnectorSpec, resource: Resource, account: Account): Record<string, string> {
  const auth = spec.auth;
  if (!auth) return {};
  switch (auth.type) {
    case 'header':
      return { [auth.header]: `${auth.prefix ?? ''}${credentialOf(account, resource.credential)}` };
    case 'basic': {
      const user = credentialOf(account, auth.username);
      const pass = auth.password ? credentialOf(account, auth.password) : '';
      return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
    }
    case 'headers':
      return Object.fromEntries(
        Object.entries(auth.headers).map(([h, field]) => [h, credentialOf(account, field)]),
      );
  }
}

/** Fills `{window.start}`, `{window.end}`, `{context.x}` placeholders. */
function fill(template: string, account: Account, window: DateWindow, resource: Resource): string {
  return template.replace(/\{([a-z_]+)\.([a-z_]+)\}/g, (whole, scope: string, name: string) => {
    if (scope === 'window' && (name === 'start' || name === 'end')) {
      return formatDate(name === 'start' ? window.start : window.end, resource.date_format ?? 'rfc3339');
    }
    if (scope === 'context') {
      const v = account.context[name];
      if (v === undefined) {
        throw new AppError(
          'invalid_parameter',
          `Account ${account.id} needs context.${name}; set it with PATCH /integrated-accounts/${account.id}.`,
          {
            details: { parameter: `context.${name}` },
          },
        );
      }
      return encodeURIComponent(v);
    }
    return whole;
  });
}

function formatDate(d: Date, format: NonNullable<Resource['date_format']>): string {
  switch (format) {
    case 'date':
      return d.toISOString().slice(0, 10);
    case 'rfc3339':
      return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    case 'epoch_s':
      return String(Math.floor(d.getTime() / 1000));
    case 'epoch_ms':
      return String(d.getTime());
  }
}

function joinPath(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
