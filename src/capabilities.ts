import { Type, type Static } from '@sinclair/typebox';
import type { Account } from './schemas/account.js';
import type { Connector } from './engine/registry.js';
import { REPORT_TYPES } from './schemas/usage-query.js';
import { usableSources } from './engine/sources.js';
import { listAvailability } from './engine/lists.js';

export const Capabilities = Type.Object(
  {
    integrated_account_id: Type.String(),
    integration: Type.String(),
    implemented: Type.Boolean({
      description: 'False while the integration has no usage connector (usage answers 501)',
    }),
    report_types: Type.Array(
      Type.Object({
        report_type: Type.String(),
        available: Type.Boolean({ description: 'The account holds the credential this report needs' }),
        credential: Type.Union([Type.String(), Type.Null()]),
        description: Type.Union([Type.String(), Type.Null()]),
        parameters: Type.Array(Type.String(), {
          description: 'Parameters pushed down to the vendor for this report',
        }),
        docs_url: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
    supported_report_types: Type.Array(Type.String(), {
      description: 'The report types this account can serve now',
    }),
    gateway_filters: Type.Array(Type.String(), {
      description: 'Filters the gateway applies after mapping, for every report',
    }),
    resources: Type.Array(
      Type.Object({
        resource: Type.String({ description: 'products, organizations or workspaces' }),
        available: Type.Boolean({ description: 'The account holds the credential this list needs' }),
        credential: Type.Union([Type.String(), Type.Null()], {
          description: 'The credential it is read with; null for a list the connector writes out',
        }),
        description: Type.Union([Type.String(), Type.Null()]),
      }),
      { description: 'The other resources of the Usage Metering API this integration has' },
    ),
    supported_resources: Type.Array(Type.String(), {
      description: 'The resources this account can list now (besides usage)',
    }),
  },
  { $id: 'Capabilities' },
);
export type Capabilities = Static<typeof Capabilities>;

/** What an account can serve: by report type, whether its credential is present and what it accepts. */
export function capabilitiesOf(account: Account, connector: Connector | undefined): Capabilities {
  const reports = connector?.spec.reports ?? {};
  const rows = REPORT_TYPES.filter((r) => reports[r]).map((reportType) => {
    const report = reports[reportType];
    const chosen = report && connector ? usableSources(connector, report, account) : [];
    const resources = (chosen.length > 0 ? chosen.map((s) => s.resource) : [report?.resource ?? '']).map(
      (name) => connector?.spec.resources?.[name],
    );
    const resource = resources[0];
    const credential = resource?.credential ?? null;
    return {
      report_type: reportType,
      available: chosen.length > 0,
      credential,
      description: report?.description ?? null,
      parameters: [...new Set(resources.flatMap((r) => Object.keys(r?.params ?? {})))],
      docs_url: resource?.docs_url ?? null,
    };
  });
  const lists = listAvailability(connector, account);
  return {
    integrated_account_id: account.id,
    integration: account.integration,
    implemented: connector?.implemented ?? false,
    report_types: rows,
    supported_report_types: rows.filter((r) => r.available).map((r) => r.report_type),
    gateway_filters: ['product_ids', 'user_ids', 'model_ids', 'surfaces', 'user_id', 'date'],
    resources: lists,
    supported_resources: lists.filter((l) => l.available).map((l) => l.resource),
  };
}
