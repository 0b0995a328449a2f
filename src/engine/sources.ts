import type { Account } from '../schemas/account.js';
import type { Report, ReportSource } from '../schemas/connector.js';
import { AppError } from '../errors.js';
import type { Connector } from './registry.js';

/** Every source of a report, the main one first. */
export function sourcesOf(report: Report): ReportSource[] {
  const main: ReportSource = { resource: report.resource };
  if (report.mapping !== undefined) main.mapping = report.mapping;
  if (report.period !== undefined) main.period = report.period;
  if (report.product !== undefined) main.product = report.product;
  return [main, ...(report.also ?? [])];
}

/**
 * The sources that serve a report for this account: those of the first credential (in the
 * report's order) the account holds. Sources sharing a credential split the range by period or
 * fan out over products; sources of another credential are alternatives for other accounts.
 */
export function usableSources(connector: Connector, report: Report, account: Account): ReportSource[] {
  const resources = connector.spec.resources ?? {};
  const held = sourcesOf(report).filter((s) => {
    const res = resources[s.resource];
    return res !== undefined && account.credentials[res.credential] !== undefined;
  });
  const first = held[0];
  if (!first) return [];
  const credential = resources[first.resource]?.credential;
  return held.filter((s) => resources[s.resource]?.credential === credential);
}

/**
 * The products a fanned-out report reads: those the caller names in product_ids, else the
 * report's defaults. A product no source serves is a 400 naming the ones that exist.
 */
export function chooseProducts(
  report: Report,
  sources: ReportSource[],
  productIds: string[] | undefined,
  slug: string,
  reportType: string,
): ReportSource[] {
  const byProduct = new Map(sources.map((s) => [s.product as string, s]));
  const allowed = [...byProduct.keys()];
  const wanted = productIds ?? report.default_products ?? allowed.slice(0, 1);
  const unknown = wanted.filter((p) => !byProduct.has(p));
  if (unknown.length > 0) {
    throw new AppError(
      'unsupported_parameter',
      `product_ids=${unknown.join(',')} is not a product of report_type=${reportType} on ${slug}; products: ${allowed.join(', ')}.`,
      { details: { parameter: 'product_ids', allowed } },
    );
  }
  return [...new Set(wanted)].map((p) => byProduct.get(p) as ReportSource);
}

/** The report types this account can ask for with the credentials it holds. */
export function supportedReports(connector: Connector, account: Account): string[] {
  const reports = connector.spec.reports ?? {};
  return Object.keys(reports).filter((r) => {
    const rep = reports[r];
    return rep !== undefined && usableSources(connector, rep, account).length > 0;
  });
}
