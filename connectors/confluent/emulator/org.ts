/**
 * The fictional organisation behind the Confluent emulator: "Fjord Freight", two environments
 * (production on committed-use pricing, staging on legacy Base/Partition billing), Kafka
 * clusters, managed connectors, a ksqlDB cluster, a Flink compute pool, Schema Registry, a
 * Business support plan and a promotional credit. Every billed thing is one `LineSpec`: what it
 * is, its unit and price, and the daily quantity it draws (confluent.md sections 3 and 7).
 */

export interface Organization {
  id: string;
  display_name: string;
  created_at: string;
}

export const ORGANIZATION: Organization = {
  id: '6f1c2a4e-3b7d-4c9a-8e21-5d0b7f3a9c11',
  display_name: 'Fjord Freight',
  created_at: '2023-09-12T08:30:00Z',
};

export interface Environment {
  id: string;
  display_name: string;
  created_at: string;
  /** Stream Governance package of the environment. */
  governance: 'ESSENTIALS' | 'ADVANCED';
  /** Committed-use discount on this environment's lines, in percent (0: list price). */
  discount_percent: number;
}

export const ENVIRONMENTS: readonly Environment[] = [
  {
    id: 'env-7qxk2m',
    display_name: 'production',
    created_at: '2023-09-12T08:41:07Z',
    governance: 'ADVANCED',
    discount_percent: 12,
  },
  {
    id: 'env-3wd9pz',
    display_name: 'staging',
    created_at: '2023-10-02T14:05:51Z',
    governance: 'ESSENTIALS',
    discount_percent: 0,
  },
];

export type NetworkAccess = 'INTERNET' | 'TRANSIT_GATEWAY' | 'PRIVATE_LINK' | 'PEERED_VPC';

/** A billed resource (`Cost.resource`), or none for organisation-wide lines. */
export interface BilledResource {
  id: string;
  display_name: string;
  environment: string;
}

/** One cost line that appears every day while its resource exists. */
export interface LineSpec {
  product: string;
  line_type: string;
  unit: string;
  /** Unit price in dollars, at most 4 decimals. */
  price: string;
  /** Daily quantity drawn uniformly in [min, max] with `decimals` decimals (at most 4). */
  quantity: { min: number; max: number; decimals: number };
  /** Weekends draw this fraction of the quantity (traffic lines); 1 for capacity lines. */
  weekend_factor: number;
  resource: BilledResource | null;
  network_access_type?: NetworkAccess;
  tier_dimensions?: Readonly<Record<string, string>>;
  /** First day billed (inclusive); default: since the data starts. */
  since?: string;
}

const PROD = 'env-7qxk2m';
const STAGING = 'env-3wd9pz';

const ORDERS: BilledResource = { id: 'lkc-8r2m5n', display_name: 'orders-prod', environment: PROD };
const CLICKS: BilledResource = { id: 'lkc-4jw7tq', display_name: 'clickstream', environment: PROD };
const ORDERS_STG: BilledResource = { id: 'lkc-9zx3vd', display_name: 'orders-staging', environment: STAGING };
const S3_SINK: BilledResource = { id: 'lcc-52kq0o', display_name: 's3-sink-orders', environment: PROD };
const PG_CDC: BilledResource = { id: 'lcc-7m1xye', display_name: 'postgres-cdc-source', environment: PROD };
const DATAGEN: BilledResource = { id: 'lcc-0p4w8a', display_name: 'datagen-orders', environment: STAGING };
const KSQL: BilledResource = { id: 'lksqlc-6d2n9r', display_name: 'fraud-scoring', environment: PROD };
const FLINK: BilledResource = { id: 'lfcp-1v8k3w', display_name: 'shipment-enrichment', environment: PROD };
const SCHEMAS: BilledResource = { id: 'lsrc-2g6h4j', display_name: 'Schema Registry', environment: PROD };

const AWS_US_EAST = { provider: 'AWS', region: 'us-east-1' } as const;

/** Every line the organisation is billed for; the order is the order of a day's lines. */
export const LINE_SPECS: readonly LineSpec[] = [
  // production: a dedicated cluster (CKUs) behind PrivateLink
  kafka(ORDERS, 'KAFKA_NUM_CKUS', 'CKU-hour', '2.2400', [48, 48, 0], 1, 'PRIVATE_LINK'),
  kafka(ORDERS, 'KAFKA_STORAGE', 'GB-hour', '0.0001', [180000, 215000, 2], 1, 'PRIVATE_LINK'),
  kafka(ORDERS, 'KAFKA_NETWORK_READ', 'GB', '0.0500', [900, 1400, 3], 0.45, 'PRIVATE_LINK'),
  kafka(ORDERS, 'KAFKA_NETWORK_WRITE', 'GB', '0.0500', [300, 520, 3], 0.45, 'PRIVATE_LINK'),
  // production: a Standard cluster billed in eCKUs, over the internet
  kafka(CLICKS, 'KAFKA_NUM_CKUS', 'eCKU-hour', '0.7500', [24, 72, 0], 0.6, 'INTERNET'),
  kafka(CLICKS, 'KAFKA_NETWORK_READ', 'GB', '0.0500', [120, 340, 3], 0.3, 'INTERNET'),
  kafka(CLICKS, 'KAFKA_NETWORK_WRITE', 'GB', '0.0500', [60, 150, 3], 0.3, 'INTERNET'),
  kafka(CLICKS, 'KAFKA_STORAGE', 'GB-hour', '0.0001', [24000, 31000, 2], 1, 'INTERNET'),
  // production: managed connectors (tiered by connector type)
  connect(S3_SINK, 'CONNECT_NUM_TASKS', 'Task-hour', '0.0340', [96, 96, 0], 'S3_SINK'),
  connect(S3_SINK, 'CONNECT_THROUGHPUT', 'GB', '0.0250', [250, 480, 3], 'S3_SINK'),
  connect(PG_CDC, 'CONNECT_NUM_TASKS', 'Task-hour', '0.1200', [24, 24, 0], 'POSTGRES_CDC_SOURCE'),
  connect(PG_CDC, 'CONNECT_THROUGHPUT', 'GB', '0.0250', [40, 95, 3], 'POSTGRES_CDC_SOURCE'),
  // production: stream processing
  {
    product: 'KSQL',
    line_type: 'KSQL_NUM_CSUS',
    unit: 'CSU-hour',
    price: '0.2300',
    quantity: { min: 96, max: 96, decimals: 0 },
    weekend_factor: 1,
    resource: KSQL,
    tier_dimensions: AWS_US_EAST,
  },
  {
    product: 'FLINK',
    line_type: 'FLINK_NUM_CFUS',
    unit: 'CFU-minute',
    price: '0.0035',
    quantity: { min: 2800, max: 5200, decimals: 0 },
    weekend_factor: 0.5,
    resource: FLINK,
    tier_dimensions: AWS_US_EAST,
    since: '2025-10-06',
  },
  {
    product: 'STREAM_GOVERNANCE',
    line_type: 'GOVERNANCE_BASE',
    unit: 'Hour',
    price: '1.0000',
    quantity: { min: 24, max: 24, decimals: 0 },
    weekend_factor: 1,
    resource: SCHEMAS,
  },
  // staging: a Basic cluster on legacy Base/Partition billing
  kafka(ORDERS_STG, 'KAFKA_BASE', 'Hour', '0.0000', [24, 24, 0], 1, 'INTERNET'),
  kafka(ORDERS_STG, 'KAFKA_PARTITION', 'Partition-hour', '0.0015', [1440, 1680, 0], 1, 'INTERNET'),
  kafka(ORDERS_STG, 'KAFKA_NETWORK_READ', 'GB', '0.0500', [3, 9, 4], 0.2, 'INTERNET'),
  kafka(ORDERS_STG, 'KAFKA_NETWORK_WRITE', 'GB', '0.0500', [1, 4, 4], 0.2, 'INTERNET'),
  kafka(ORDERS_STG, 'KAFKA_STORAGE', 'GB-hour', '0.0001', [1200, 1900, 2], 1, 'INTERNET'),
  connect(DATAGEN, 'CONNECT_NUM_TASKS', 'Task-hour', '0.0340', [24, 24, 0], 'DATAGEN_SOURCE'),
  // organisation-wide: the support plan, billed per day
  {
    product: 'SUPPORT_CLOUD_BUSINESS',
    line_type: 'SUPPORT',
    unit: 'Day',
    price: '33.3300',
    quantity: { min: 1, max: 1, decimals: 0 },
    weekend_factor: 1,
    resource: null,
  },
];

/** The promotional credit drawn down daily while it lasts (confluent.md section 3, PROMO_CREDIT). */
export const PROMO_CREDIT = {
  description: 'KAFKA101',
  /** Dollars credited per day, 4 decimals. */
  daily: '25.0000',
  /** Days the credit is drawn [first, last). */
  first: '2025-03-01',
  until: '2025-07-01',
} as const;

function kafka(
  resource: BilledResource,
  line_type: string,
  unit: string,
  price: string,
  [min, max, decimals]: readonly [number, number, number],
  weekend_factor: number,
  network_access_type: NetworkAccess,
): LineSpec {
  return {
    product: 'KAFKA',
    line_type,
    unit,
    price,
    quantity: { min, max, decimals },
    weekend_factor,
    resource,
    network_access_type,
  };
}

function connect(
  resource: BilledResource,
  line_type: string,
  unit: string,
  price: string,
  [min, max, decimals]: readonly [number, number, number],
  connector_type: string,
): LineSpec {
  return {
    product: 'CONNECT',
    line_type,
    unit,
    price,
    quantity: { min, max, decimals },
    weekend_factor: line_type === 'CONNECT_THROUGHPUT' ? 0.4 : 1,
    resource,
    tier_dimensions: { ...AWS_US_EAST, connector_type },
  };
}

export function environmentOf(id: string): Environment | undefined {
  return ENVIRONMENTS.find((e) => e.id === id);
}
