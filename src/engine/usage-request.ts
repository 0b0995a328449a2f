import type { UsageQuery, ReportType } from '../schemas/usage-query.js';
import { AppError } from '../errors.js';
import { parseDateParam } from './dates.js';
import type { ListName } from '../schemas/lists.js';

export type ResponseFormat = NonNullable<UsageQuery['truto_response_format']>;

/** A validated usage request, with defaults applied and dates parsed. */
export interface UsageRequest {
  accountId: string;
  format: ResponseFormat;
  reportType: ReportType;
  /** True when the caller named the report type (else it was defaulted). */
  reportTypeExplicit: boolean;
  start: Date | undefined;
  end: Date | undefined;
  limit: number;
  cursor: string | undefined;
  ignoreLimit: boolean;
  ignoreRemoteData: boolean;
  excludeFields: string[];
  keyBy: string | undefined;
  remoteQuery: Record<string, string | string[]>;
  filters: {
    productIds: string[] | undefined;
    userIds: string[] | undefined;
    modelIds: string[] | undefined;
    surfaces: string[] | undefined;
    /** List resources: only the record with this id (`GET /…/products/:id`). */
    ids?: string[] | undefined;
  };
  /** The parameters a connector may push down to its vendor, by their unified names. */
  params: PushableParams;
  date: string | undefined;
  userId: string | undefined;
  /** The query as given, only for the cursor's query hash. */
  query: UsageQuery;
  /** A list resource (products, organizations, workspaces) instead of usage. */
  list?: ListName;
  /** The integrations that have that list, named when this account's has not. */
  listServedBy?: string[];
}

/**
 * Unified parameters a resource may declare under `params:` to send them to its vendor; the plan
 * reads them here, never from the raw query.
 */
export type PushableParams = Partial<{
  group_by: string[];
  granularity: NonNullable<UsageQuery['granularity']>;
  sort_by: string;
  sort_order: NonNullable<UsageQuery['sort_order']>;
  include_deleted_users: boolean;
  api_key_id: string;
  user_id: string;
  page: number;
  page_size: number;
  model_ids: string[];
  surfaces: string[];
  user_ids: string[];
  product_ids: string[];
}>;

export const DEFAULT_LIMIT = 100;

export function toUsageRequest(q: UsageQuery): UsageRequest {
  if (q.next_cursor !== undefined && q.cursor !== undefined && q.next_cursor !== q.cursor) {
    throw new AppError(
      'invalid_parameter',
      'Give next_cursor or its alias cursor, not two different values.',
      {
        details: { parameter: 'cursor' },
      },
    );
  }
  const start = q.start_date === undefined ? undefined : parseDateParam('start_date', q.start_date);
  const end = q.end_date === undefined ? undefined : parseDateParam('end_date', q.end_date);
  if (start && end && end.getTime() <= start.getTime()) {
    throw new AppError(
      'invalid_parameter',
      `Invalid parameter "end_date": ${q.end_date} is not after start_date ${q.start_date} (start is inclusive, end exclusive).`,
      { details: { parameter: 'end_date' } },
    );
  }
  if (q.date !== undefined) parseDateParam('date', q.date);
  const cursor = q.next_cursor || q.cursor || undefined; // an empty cursor means the first page
  const hasRange = q.start_date !== undefined || q.end_date !== undefined;
  return {
    accountId: q.integrated_account_id,
    format: q.truto_response_format ?? 'unified',
    reportType: q.report_type ?? (hasRange ? 'usage' : 'activity'),
    reportTypeExplicit: q.report_type !== undefined,
    start,
    end,
    limit: q.limit ?? DEFAULT_LIMIT,
    cursor,
    ignoreLimit: q.truto_ignore_limit ?? false,
    ignoreRemoteData: q.truto_ignore_remote_data ?? false,
    excludeFields: q.truto_exclude_fields ?? [],
    keyBy: q.truto_key_by,
    remoteQuery: q.remote_query ?? {},
    filters: {
      productIds: q.product_ids,
      userIds: q.user_ids,
      modelIds: q.model_ids,
      surfaces: q.surfaces,
    },
    params: definedOnly({
      group_by: q.group_by,
      granularity: q.granularity,
      sort_by: q.sort_by,
      sort_order: q.sort_order,
      include_deleted_users: q.include_deleted_users,
      api_key_id: q.api_key_id,
      user_id: q.user_id,
      page: q.page,
      page_size: q.page_size,
      model_ids: q.model_ids,
      surfaces: q.surfaces,
      user_ids: q.user_ids,
      product_ids: q.product_ids,
    }),
    date: q.date,
    userId: q.user_id,
    query: q,
  };
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
