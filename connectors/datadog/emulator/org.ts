/**
 * The fictional Datadog account the emulator serves: a parent (root) organisation with two child
 * organisations, their API and application keys (with the permissions each application key
 * holds), the product families of `hourly_usage` with their usage types, the billing dimensions
 * of the cost endpoints with their contract, and the fields of the v1 usage summary.
 * Provider notes: datadog.md sections 1-4.
 */

export interface Org {
  /** Datadog's org public id (`public_id` in every payload). */
  publicId: string;
  name: string;
  region: string;
  /** Scale of this org's usage against the parent's. */
  weight: number;
  parent: boolean;
}

export const PARENT_ORG: Org = {
  publicId: 'b7e14c2a9f30',
  name: 'Kestrel Analytics',
  region: 'us',
  weight: 1,
  parent: true,
};
export const CHILD_ORGS: readonly Org[] = [
  { publicId: 'c41d8e7f0a22', name: 'Kestrel Analytics EU', region: 'us', weight: 0.45, parent: false },
  { publicId: 'd9a3b6c15e07', name: 'Kestrel Data Science', region: 'us', weight: 0.2, parent: false },
];
export const ALL_ORGS: readonly Org[] = [PARENT_ORG, ...CHILD_ORGS];

export type Permission = 'usage_read' | 'billing_read';

/** An API key (identifies the org) with one of its application keys (carries the permissions). */
export interface KeyPair {
  apiKey: string;
  applicationKey: string;
  org: Org;
  permissions: readonly Permission[];
}

/** Datadog API keys are 32 hex characters, application keys 40. */
export const SANDBOX_API_KEY = '5f1e9c0d7b2a4e6f8a1c3b5d7e9f0a2c';
export const SANDBOX_APPLICATION_KEY = '0d4b8f2e6a1c5e9b3d7f1a5c9e3b7d1f5a9c3e7b';
/** An application key of the parent org with usage_read only (no billing_read). */
export const USAGE_ONLY_APPLICATION_KEY = '7c2e6a0f4b8d2c6e0a4f8b2d6c0e4a8f2b6d0c4e';
/** Keys of the first child org: hourly usage for itself only; cost and summary are parent-only. */
export const CHILD_API_KEY = '9a3c5e7f1b2d4f6a8c0e2b4d6f8a0c2e';
export const CHILD_APPLICATION_KEY = '3e7a1c5f9b3d7e1a5c9f3b7d1e5a9c3f7b1d5e9a';

export const KEY_PAIRS: readonly KeyPair[] = [
  {
    apiKey: SANDBOX_API_KEY,
    applicationKey: SANDBOX_APPLICATION_KEY,
    org: PARENT_ORG,
    permissions: ['usage_read', 'billing_read'],
  },
  {
    apiKey: SANDBOX_API_KEY,
    applicationKey: USAGE_ONLY_APPLICATION_KEY,
    org: PARENT_ORG,
    permissions: ['usage_read'],
  },
  {
    apiKey: CHILD_API_KEY,
    applicationKey: CHILD_APPLICATION_KEY,
    org: CHILD_ORGS[0] as Org,
    permissions: ['usage_read', 'billing_read'],
  },
];

export function keyPairOf(apiKey: string | undefined, applicationKey: string | undefined): KeyPair | null {
  return KEY_PAIRS.find((k) => k.apiKey === apiKey && k.applicationKey === applicationKey) ?? null;
}

/**
 * How a usage type's hourly value is drawn: a base for the parent org at a busy hour, how much it
 * swings over the day, and how often the vendor reports `null` for it (no value measured).
 */
export interface UsageType {
  name: string;
  base: number;
  /** 0 = flat (hosts), 1 = strongly diurnal (sessions, log volume). */
  diurnal: number;
  /** Probability of a `null` measurement in an hour. */
  nullChance: number;
  /** Orgs (public ids) that never measure it: always null there. */
  nullFor?: readonly string[];
}

export interface ProductFamily {
  id: string;
  types: readonly UsageType[];
}

/** A dozen product families (`filter[product_families]` values) with their usage types. */
export const PRODUCT_FAMILIES: readonly ProductFamily[] = [
  {
    id: 'infra_hosts',
    types: [
      { name: 'host_count', base: 120, diurnal: 0.1, nullChance: 0 },
      { name: 'agent_host_count', base: 110, diurnal: 0.1, nullChance: 0 },
      { name: 'container_count', base: 900, diurnal: 0.3, nullChance: 0.15 },
      {
        name: 'opentelemetry_host_count',
        base: 8,
        diurnal: 0,
        nullChance: 0,
        nullFor: ['d9a3b6c15e07'],
      },
    ],
  },
  {
    id: 'timeseries',
    types: [
      { name: 'num_custom_timeseries', base: 42_000, diurnal: 0.05, nullChance: 0 },
      { name: 'num_custom_input_timeseries', base: 61_000, diurnal: 0.05, nullChance: 0 },
    ],
  },
  {
    id: 'logs',
    types: [
      { name: 'ingested_events_bytes', base: 3_600_000_000, diurnal: 0.8, nullChance: 0 },
      { name: 'indexed_events_count', base: 2_400_000, diurnal: 0.8, nullChance: 0 },
      { name: 'logs_live_indexed_count', base: 90_000, diurnal: 0.8, nullChance: 0.1 },
    ],
  },
  {
    id: 'indexed_spans',
    types: [{ name: 'indexed_events_count', base: 800_000, diurnal: 0.7, nullChance: 0 }],
  },
  {
    id: 'ingested_spans',
    types: [{ name: 'ingested_events_bytes', base: 1_900_000_000, diurnal: 0.7, nullChance: 0 }],
  },
  {
    id: 'rum',
    types: [
      { name: 'rum_browser_and_mobile_session_count', base: 5_200, diurnal: 0.9, nullChance: 0 },
      { name: 'rum_replay_session_count', base: 700, diurnal: 0.9, nullChance: 0.05 },
    ],
  },
  { id: 'synthetics_api', types: [{ name: 'check_calls_count', base: 1_440, diurnal: 0, nullChance: 0.04 }] },
  {
    id: 'synthetics_browser',
    types: [{ name: 'browser_check_calls_count', base: 96, diurnal: 0, nullChance: 0 }],
  },
  {
    id: 'serverless',
    types: [
      { name: 'func_count', base: 64, diurnal: 0, nullChance: 0 },
      { name: 'invocations_sum', base: 310_000, diurnal: 0.6, nullChance: 0 },
    ],
  },
  {
    id: 'dbm',
    types: [
      { name: 'dbm_host_count', base: 6, diurnal: 0, nullChance: 0 },
      { name: 'dbm_queries_count', base: 2_000, diurnal: 0.4, nullChance: 0 },
    ],
  },
  {
    id: 'profiling',
    types: [
      { name: 'profiler_host_count', base: 30, diurnal: 0.1, nullChance: 0 },
      { name: 'profiler_container_agent_count', base: 140, diurnal: 0.2, nullChance: 0.2 },
    ],
  },
  {
    id: 'ci_app',
    types: [
      { name: 'ci_pipeline_indexed_spans', base: 12_000, diurnal: 0.9, nullChance: 0 },
      { name: 'ci_test_indexed_spans', base: 48_000, diurnal: 0.9, nullChance: 0 },
      { name: 'ci_visibility_itr_committers', base: 35, diurnal: 0, nullChance: 0.3 },
    ],
  },
  {
    id: 'llm_observability',
    types: [{ name: 'llm_observability_span_count', base: 4_000, diurnal: 0.6, nullChance: 0.25 }],
  },
];

/**
 * Every family the vendor accepts in `filter[product_families]` (the newest client docstring);
 * the emulator has data for PRODUCT_FAMILIES and answers an empty page for the rest.
 */
export const KNOWN_FAMILIES: readonly string[] = [
  'all',
  'ai',
  'analyzed_logs',
  'application_performance_monitoring',
  'application_security',
  'audit_logs',
  'audit_trail',
  'bits_ai',
  'serverless',
  'ci_app',
  'cloud_cost_management',
  'cloud_siem',
  'csm_container_enterprise',
  'csm_host_enterprise',
  'csm_host_pro',
  'cspm',
  'custom_events',
  'cws',
  'data_observability',
  'dbm',
  'digital_experience_management',
  'error_tracking',
  'fargate',
  'infra_hosts',
  'incident_management',
  'indexed_logs',
  'indexed_spans',
  'infrastructure_monitoring',
  'ingested_spans',
  'iot',
  'lambda_traced_invocations',
  'llm_observability',
  'log_management',
  'logs',
  'network_flows',
  'network_hosts',
  'network_monitoring',
  'observability_pipelines',
  'online_archive',
  'platform_capabilities',
  'product_analytics',
  'profiling',
  'rum',
  'rum_browser_sessions',
  'rum_mobile_sessions',
  'sds',
  'security',
  'snmp',
  'software_delivery',
  'synthetics_api',
  'synthetics_browser',
  'synthetics_mobile',
  'synthetics_parallel_testing',
  'timeseries',
  'vuln_management',
  'workflow_executions',
];

/**
 * A billing dimension of the cost endpoints (`charges[].product_name`): its in-app label, the
 * committed amount per month for the parent org in cents (children commit a share), and an
 * on-demand amount that varies by month. Amounts stay exact: integer cents.
 */
export interface BillingDimension {
  id: string;
  label: string;
  committedCents: number;
  onDemandCents: readonly [number, number];
}

export const BILLING_DIMENSIONS: readonly BillingDimension[] = [
  { id: 'infra_host', label: 'Infra Hosts', committedCents: 180_000, onDemandCents: [0, 42_050] },
  { id: 'timeseries', label: 'Custom Metrics', committedCents: 50_000, onDemandCents: [1_005, 18_075] },
  { id: 'logs_ingested', label: 'Ingested Logs', committedCents: 30_000, onDemandCents: [2_510, 9_990] },
  {
    id: 'logs_indexed_15day',
    label: 'Indexed Logs (15-day Retention)',
    committedCents: 85_000,
    onDemandCents: [0, 31_015],
  },
  { id: 'ingested_spans', label: 'Ingested Spans', committedCents: 20_000, onDemandCents: [0, 7_525] },
  { id: 'indexed_spans', label: 'Indexed Spans', committedCents: 40_000, onDemandCents: [0, 12_345] },
  { id: 'rum_browser_sessions', label: 'RUM Sessions', committedCents: 36_000, onDemandCents: [0, 8_840] },
  { id: 'synthetics_api_tests', label: 'API Tests', committedCents: 7_500, onDemandCents: [0, 1_215] },
  {
    id: 'serverless_apps',
    label: 'Serverless App Instances',
    committedCents: 0,
    onDemandCents: [4_400, 9_610],
  },
  { id: 'dbm_host', label: 'Database Monitoring Hosts', committedCents: 42_000, onDemandCents: [0, 0] },
  { id: 'profiling_host', label: 'Profiled Hosts', committedCents: 24_000, onDemandCents: [0, 2_080] },
  {
    id: 'ci_pipeline',
    label: 'CI Visibility Pipeline Committers',
    committedCents: 0,
    onDemandCents: [3_300, 6_655],
  },
];

/** Fields of a v1 usage summary month (`usage[]`), with the aggregate's base value for the parent. */
export const SUMMARY_FIELDS: readonly { field: string; base: number }[] = [
  { field: 'infra_host_top99p', base: 128 },
  { field: 'agent_host_top99p', base: 117 },
  { field: 'container_avg', base: 880 },
  { field: 'container_hwm', base: 1_310 },
  { field: 'custom_ts_avg', base: 43_500 },
  { field: 'ingested_events_bytes_sum', base: 1_900_000_000_000 },
  { field: 'indexed_events_count_sum', base: 1_250_000_000 },
  { field: 'apm_host_top99p', base: 0 },
  { field: 'rum_browser_and_mobile_session_count', base: 2_700_000 },
  { field: 'synthetics_check_calls_count_sum', base: 1_050_000 },
  { field: 'synthetics_browser_check_calls_count_sum', base: 70_000 },
  { field: 'serverless_apps_total_count_avg_sum', base: 64 },
  { field: 'dbm_host_top99p_sum', base: 6 },
  { field: 'profiling_host_top99p', base: 31 },
  { field: 'ci_pipeline_indexed_spans_sum', base: 8_800_000 },
  { field: 'llm_observability_min_spend_sum', base: 0 },
];
