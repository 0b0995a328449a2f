import type { Account } from '../../schemas/account.js';
import type { BodyValue, ConnectorSpec, Resource } from '../../schemas/connector.js';
import { AppError } from '../../errors.js';
import type { UpstreamRequest } from '../http.js';
import type { DateWindow } from '../windows.js';
import { authHeaders } from './auth.js';
import { bodyValueOf, convert, queryNameOf, writeQueryParam, type VendorParam } from './params.js';
import { fillBaseUrl, fillTemplate, type TemplateScope } from './templates.js';

export interface BuildArgs {
  spec: ConnectorSpec;
  resource: Resource;
  account: Account;
  window: DateWindow;
  page: string | number | null;
  remoteQuery: Record<string, string | string[]>;
  /** Unified parameters already translated for this vendor (see plan). */
  vendorParams?: readonly VendorParam[];
  /** Context defaults the connector declares, by field. */
  contextDefaults?: Readonly<Record<string, string>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Turns a resource declaration plus paging state into one concrete vendor request: the URL with
 * its query, and for resources that declare one a JSON body; templates, pushed-down parameters,
 * page size and page token each go where the connector places them.
 */
export function buildRequest({
  spec,
  resource,
  account,
  window,
  page,
  remoteQuery,
  vendorParams = [],
  contextDefaults,
}: BuildArgs): UpstreamRequest {
  const scope: TemplateScope = { account, window, resource, contextDefaults };
  const base = baseUrlOf(spec, resource, scope);
  // JSON unless the connector asks for a variant (a vendor's datetime format, say).
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...spec.headers,
    ...authHeaders(spec.auth, resource.credential, account),
  };
  if (resource.pagination.type === 'next_url' && typeof page === 'string' && /^https?:\/\//.test(page)) {
    // The vendor gave a full next-page URL; it is still checked against the declared hosts.
    return { url: new URL(page), method: resource.method, headers, timeoutMs: timeoutOf(spec) };
  }
  const url = new URL(joinPath(base, fillTemplate(resource.path, scope)));
  const body = resource.body === undefined ? undefined : fillBody(resource.body, scope);
  /** Names the gateway sets in the query and in the body: remote_query may not replace them. */
  const owned = { query: new Set<string>(), body: new Set(Object.keys(resource.body ?? {})) };

  for (const [name, template] of Object.entries(resource.query ?? {})) {
    for (const t of Array.isArray(template) ? template : [template]) {
      const value = fillTemplate(t, scope);
      if (value !== '') url.searchParams.append(name, value);
    }
    owned.query.add(name);
  }
  for (const p of vendorParams) {
    if (p.in === 'body') {
      placeInBody(body, resource, p.name, bodyValueOf(p));
      owned.body.add(p.name);
    } else {
      writeQueryParam(url, p);
      owned.query.add(queryNameOf(p));
    }
  }
  if (resource.page_size) {
    // Always the vendor's maximum: fewer calls, and page boundaries that stay put between requests.
    const { param, max, max_by } = resource.page_size;
    const byValue = max_by
      ? max_by.values[paramValue(url, body, vendorParams, max_by.param) ?? '']
      : undefined;
    place(url, body, resource, resource.page_size.in, param, byValue ?? max, owned);
  }
  const pageParam = pageParamOf(resource);
  if (pageParam) {
    const first = resource.pagination.type === 'page_number' ? resource.pagination.first_page : undefined;
    const value = page ?? first;
    const where = 'in' in resource.pagination ? resource.pagination.in : undefined;
    if (value !== undefined) place(url, body, resource, where, pageParam, value, owned);
    else (where === 'body' ? owned.body : owned.query).add(pageParam);
  }
  for (const [name, value] of Object.entries(remoteQuery)) {
    // A POST vendor reads its options from the body, so that is where they are passed through.
    const inBody = body !== undefined;
    if ((inBody ? owned.body : owned.query).has(name)) {
      throw new AppError(
        'invalid_parameter',
        `remote_query[${name}] would replace a parameter the gateway sets for paging or dates; use the unified parameter instead.`,
        { details: { parameter: `remote_query.${name}` } },
      );
    }
    if (inBody) body[name] = value;
    else for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  return {
    url,
    method: resource.method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    timeoutMs: timeoutOf(spec),
  };
}

/**
 * Where a resource lives: the account's override of its address, else its declared one; a
 * resource on the connector's own address takes `context.base_url` or the connector's base URL.
 */
function baseUrlOf(spec: ConnectorSpec, resource: Resource, scope: TemplateScope): string {
  const own = resource.base_url;
  if (own) return scope.account.context[own.context] ?? fillBaseUrl(own.default, scope);
  return scope.account.context.base_url ?? fillBaseUrl(spec.base_url, scope);
}

function timeoutOf(spec: ConnectorSpec): number {
  return spec.timeout_ms ?? DEFAULT_TIMEOUT_MS;
}

/** Writes one gateway-owned value (page size, page token or number) into the query or the body. */
function place(
  url: URL,
  body: Record<string, unknown> | undefined,
  resource: Resource,
  where: 'query' | 'body' | undefined,
  name: string,
  value: string | number,
  owned: { query: Set<string>; body: Set<string> },
): void {
  if (where === 'body') {
    placeInBody(body, resource, name, value);
    owned.body.add(name);
  } else {
    url.searchParams.set(name, String(value));
    owned.query.add(name);
  }
}

function placeInBody(
  body: Record<string, unknown> | undefined,
  resource: Resource,
  name: string,
  value: unknown,
): asserts body is Record<string, unknown> {
  if (body === undefined) {
    throw new Error(`${resource.path}: "${name}" is placed in the body but the resource declares no body`);
  }
  body[name] = value;
}

/** The value a parameter has in this request, wherever it was placed (for page-size maxima). */
function paramValue(
  url: URL,
  body: Record<string, unknown> | undefined,
  params: readonly VendorParam[],
  name: string,
): string | undefined {
  const declared = params.find((p) => p.name === name);
  if (declared) return declared.values[0];
  const inQuery = url.searchParams.get(name);
  if (inQuery !== null) return inQuery;
  const inBody = body?.[name];
  return inBody === undefined || inBody === null ? undefined : String(inBody);
}

/** The body a resource declares, its templates filled and typed. */
function fillBody(template: Record<string, BodyValue>, scope: TemplateScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(template)) {
    out[name] = Array.isArray(value)
      ? value.map((v) => fillBodyValue(v, scope, name))
      : fillBodyValue(value, scope, name);
  }
  return out;
}

function fillBodyValue(value: Exclude<BodyValue, unknown[]>, scope: TemplateScope, name: string): unknown {
  if (typeof value === 'string') return fillTemplate(value, scope, false);
  if (value === null || typeof value !== 'object') return value;
  return convert(fillTemplate(value.value, scope, false), value.type, name);
}

function pageParamOf(resource: Resource): string | undefined {
  const p = resource.pagination;
  if (p.type === 'token' || p.type === 'page_number') return p.param;
  if (p.type === 'next_url') return p.token_param;
  return undefined;
}

function joinPath(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
