import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

/** One registry per app instance, so tests that build several apps do not collide. */
export class Metrics {
  readonly registry = new Registry();
  /** Requests and their durations by route, method and status (see RequestMetrics for why not prom-client's classes). */
  readonly requests = new RequestMetrics(this.registry);
  readonly upstreamCalls = new Counter({
    name: 'meterway_upstream_calls_total',
    help: 'Calls to vendor APIs, by integration, resource and status (cache hits excluded)',
    labelNames: ['integration', 'resource', 'status'] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: 'meterway_upstream_call_duration_seconds',
    help: 'Vendor API call duration, by integration and resource',
    labelNames: ['integration', 'resource'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly cacheLookups = new Counter({
    name: 'meterway_cache_lookups_total',
    help: 'Response cache lookups, by result (hit, miss, shared)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(withDefaults = true) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'meterway_' });
  }
}
