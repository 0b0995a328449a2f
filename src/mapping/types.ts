import type { UsageRow } from '../schemas/usage.js';
import type { MappingTarget } from './target.js';

/** What a compiled mapping is run with: who the rows are for, lookup tables, the date window. */
export interface MapContext {
  integration: string;
  accountId: string;
  reportType: string;
  /**
   * Lookup tables the engine read for this request (e.g. a users list keyed by id), joined on with
   * `{ lookup: <table>, key: <expr>, field: <path> }`. Absent tables make lookups null. Build them
   * with `buildLookupTable` (`lookup-table.ts`).
   */
  lookups?: Readonly<Record<string, ReadonlyMap<string, unknown>>>;
  /**
   * The date window (start inclusive, end exclusive) the records were asked for, for vendors
   * whose records do not carry their own dates: path root `$window` (`$window.start`).
   */
  window?: { readonly start: Date | string; readonly end: Date | string };
}

export interface CompiledMapping {
  /** `<slug>/<report_type>` for files under `mappings/`, else the file name given */
  readonly name: string;
  /** rows sharing an id must be merged with `mergeRows` */
  readonly aggregate: boolean;
  /** the generated JavaScript, for debugging */
  readonly source: string;
  /** the mapping document it was compiled from (deep-frozen copy): the base for `mergeMappingDocs` */
  readonly doc: unknown;
  /** the record type it builds (Usage rows, or a list's products, organizations, workspaces) */
  readonly target: MappingTarget;
  map(record: unknown, ctx: MapContext): UsageRow[];
}
