import type { Account } from '../../schemas/account.js';
import type { DateFormat, Resource } from '../../schemas/connector.js';
import { AppError } from '../../errors.js';
import type { DateWindow } from '../windows.js';

/** What a template may refer to: the window being asked for and the account's context. */
export interface TemplateScope {
  account: Account;
  window: DateWindow;
  resource: Resource;
  /** Context defaults the connector declares (a vendor site, say), used when the account has none. */
  contextDefaults?: Readonly<Record<string, string>> | undefined;
}

const PLACEHOLDER = /\{([a-z_]+)\.([a-z_]+)(?::([a-z0-9_]+))?\}/g;
const FORMATS = new Set<DateFormat>(['date', 'rfc3339', 'epoch_s', 'epoch_ms', 'hour', 'month']);

/**
 * Fills `{window.start}`, `{window.end}` and `{context.x}` placeholders. A window bound is written
 * in the resource's `date_format` unless the placeholder names one (`{window.end:epoch_ms}`);
 * `{window.end}` is the last instant of the window when the resource declares inclusive ends.
 * Context values are URI-encoded when `encode` is set (they land in a URL).
 */
export function fillTemplate(template: string, scope: TemplateScope, encode = true): string {
  if (!template.includes('{')) return template;
  return template.replace(PLACEHOLDER, (whole, group: string, name: string, format: string | undefined) => {
    if (group === 'window' && (name === 'start' || name === 'end')) {
      const fmt = (format ?? scope.resource.date_format ?? 'rfc3339') as DateFormat;
      if (!FORMATS.has(fmt)) throw new Error(`unknown date format "${fmt}" in template ${template}`);
      return formatDate(windowBound(scope.window, name, scope.resource), fmt);
    }
    if (group === 'context') {
      const v = contextValue(scope, name);
      return encode ? encodeURIComponent(v) : v;
    }
    return whole;
  });
}

/**
 * A connector's base URL for an account: its `{context.x}` placeholders filled from the account's
 * context or the connector's defaults (`https://api.{context.site}` for a vendor with regional sites).
 */
export function fillBaseUrl(
  template: string,
  scope: Pick<TemplateScope, 'account' | 'contextDefaults'>,
): string {
  return template.replace(/\{context\.([a-z_]+)\}/g, (_whole, name: string) =>
    encodeURIComponent(contextValue(scope, name)),
  );
}

/** The context fields a template names. */
export function contextFieldsOf(template: string): string[] {
  return [...template.matchAll(/\{context\.([a-z_]+)\}/g)].map((m) => m[1] as string);
}

/** A context value of the account, else the connector's default for it, else a 400 that says what to set. */
export function contextValue(
  scope: Pick<TemplateScope, 'account' | 'contextDefaults'>,
  name: string,
): string {
  const v = scope.account.context[name] ?? scope.contextDefaults?.[name];
  if (v === undefined) {
    throw new AppError(
      'invalid_parameter',
      `Account ${scope.account.id} needs context.${name}; set it with PATCH /integrated-accounts/${scope.account.id}.`,
      { details: { parameter: `context.${name}` } },
    );
  }
  return v;
}

/** The start, or the end as the vendor counts it: exclusive, or its last millisecond. */
export function windowBound(window: DateWindow, which: 'start' | 'end', resource: Resource): Date {
  if (which === 'start') return window.start;
  return resource.window_end === 'inclusive' ? new Date(window.end.getTime() - 1) : window.end;
}

/** A UTC instant in one of the vendors' date formats. */
export function formatDate(d: Date, format: DateFormat): string {
  switch (format) {
    case 'date':
      return d.toISOString().slice(0, 10);
    case 'rfc3339': {
      // Milliseconds only when there are any: an inclusive end keeps its .999.
      const iso = d.toISOString();
      return iso.endsWith('.000Z') ? iso.replace(/\.000Z$/, 'Z') : iso;
    }
    case 'epoch_s':
      return String(Math.floor(d.getTime() / 1000));
    case 'epoch_ms':
      return String(d.getTime());
    case 'hour':
      return d.toISOString().slice(0, 13);
    case 'month':
      return d.toISOString().slice(0, 7);
  }
}
